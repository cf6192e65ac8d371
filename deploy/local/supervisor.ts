import { type BackoffSettings, CrashLoopBackoff } from "./crash-loop-backoff.js";
import type { RestartEvent, ServiceExit } from "./mesh.js";
import type { ServiceProcess } from "./service-process.js";

/** A process kept running by `supervise`. */
export interface Supervised {
  /** The pid of the current process, while one runs. */
  pid(): number | undefined;
  /** Stops it for good: a pending restart is dropped, a restart under way is stopped too. */
  stop(): Promise<void>;
}

/**
 * Starts a process with `start` and restarts it after a crash-loop back-off whenever it exits
 * without being asked to, as the cluster restarts a crashed pod (the edge of `make run`; the
 * mesh's services have the same rules in `startMesh`, where tests also stop and start them).
 */
export async function supervise(options: {
  start: () => Promise<ServiceProcess>;
  restart: BackoffSettings;
  onUnexpectedExit: (exit: ServiceExit) => void;
  onRestart: (event: RestartEvent) => void;
}): Promise<Supervised> {
  const backoff = new CrashLoopBackoff(options.restart);
  let current: ServiceProcess | undefined;
  let pendingRestart: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  let stopped = false;
  let restarts = 0;

  const watch = (running: ServiceProcess) => {
    current = running;
    const startedAt = Date.now();
    void running.exited.then((code) => {
      if (current === running) current = undefined;
      if (stopped) return;
      const exit = { code, signal: running.child.signalCode, ranForMs: Date.now() - startedAt };
      options.onUnexpectedExit(exit);
      scheduleRestart(exit.ranForMs);
    });
  };
  const scheduleRestart = (ranForMs: number) => {
    const delayMs = backoff.next(ranForMs);
    const restart = ++restarts;
    options.onRestart({ phase: "scheduled", restart, delayMs });
    pendingRestart = setTimeout(() => {
      restarting = options.start().then(
        (running) => {
          watch(running);
          if (!stopped)
            options.onRestart({ phase: "started", restart, pid: running.child.pid ?? 0 });
        },
        (error: unknown) => {
          if (stopped) return;
          options.onRestart({ phase: "failed", restart, reason: String(error) });
          scheduleRestart(0);
        },
      );
    }, delayMs);
  };

  watch(await options.start());
  return {
    pid: () => current?.child.pid,
    async stop() {
      stopped = true;
      clearTimeout(pendingRestart);
      await restarting;
      await current?.stop();
    },
  };
}
