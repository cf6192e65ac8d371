import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

// `node --import dist/bench/cpu-profile-hook.js`: a CPU profile of one window of a service's
// life, for `bench/profile.ts`. `--cpu-prof` is refused in NODE_OPTIONS and the runner owns the
// command line, so the inspector's profiler is driven from here: the first SIGUSR2 starts it,
// the second writes the profile to PROFILE_OUT (so the window holds the load alone, neither
// start-up nor shutdown).

const out = process.env.PROFILE_OUT;
if (out) {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) =>
        error ? reject(error) : resolve(result),
      ),
    );
  let running = false;
  process.on("SIGUSR2", async () => {
    if (!running) {
      running = true;
      await post("Profiler.enable");
      await post("Profiler.setSamplingInterval", { interval: 250 });
      await post("Profiler.start");
      return;
    }
    running = false;
    const { profile } = (await post("Profiler.stop")) as { profile: unknown };
    writeFileSync(out, JSON.stringify(profile));
  });
}
