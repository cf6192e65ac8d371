import path from "node:path";
import { repoRoot } from "../deploy/local/service-process.js";

// `--smoke` runs every case briefly (make test keeps the harness from rotting; its numbers mean
// nothing); `--out FILE` writes the report elsewhere than bench/results.json.

/** Whether this is a smoke run (every case briefly, numbers meaningless). */
export const smoke = process.argv.includes("--smoke");

const outArg = process.argv.indexOf("--out");
/** Where the JSON report goes. */
export const outFile =
  outArg > 0 ? (process.argv[outArg + 1] ?? "") : path.join(repoRoot, "bench/results.json");

/** The load shape of every case: durations, repetitions, clients and concurrency. */
export const shape = smoke
  ? // A third of a second per run: long enough for every request path to run many times, short
    // enough that `make test` pays seconds, not minutes, for the whole harness. On a loaded
    // machine a path's first calls can outlast it: an h2load run that answered nothing is tried
    // again at twice the duration, up to 4 runs (0.3 + 0.6 + 1.2 + 2.4 s).
    {
      seconds: 0.3,
      warmUp: 0,
      attempts: 4,
      reps: 1,
      clients: 2,
      streams: 8,
      concurrency: 4,
      lowRate: 20,
    }
  : {
      seconds: 5,
      warmUp: 2,
      attempts: 1,
      reps: 3,
      clients: 4,
      streams: 32,
      concurrency: 32,
      lowRate: 50,
    };

/** One progress line on stderr (stdout holds the report). */
export const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
