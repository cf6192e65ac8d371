import { readFile } from "node:fs/promises";
import type { PodMetric } from "./pod-state.js";

// USER_HZ, the unit of utime/stime in /proc/<pid>/stat, is 100 on every Linux ABI Node runs on
// (it is fixed for user space, independent of the kernel's HZ).
const ticksPerSecond = 100;

/** CPU time a process has used so far (user + system), in seconds, from /proc/<pid>/stat. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of proc(5) are utime and stime; field 3 (state) is index 0 here.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`unreadable /proc/${pid}/stat`);
  return (utime + stime) / ticksPerSecond;
}

interface Reading {
  readonly cpuSeconds: number;
  readonly at: number;
}

/**
 * The metrics pipeline for simulated pods. metrics-server scrapes each pod's cumulative CPU time
 * every `--metric-resolution` (15 s by default) and reports the usage between two scrapes, a
 * rate in millicores averaged over that window. Here each `sample` reads /proc and reports the
 * usage since the latest reading at least `windowMs` old: an average over one window that ends
 * now. Until a process has a reading that old (a new pod) it has no sample, and neither has a
 * process that is gone: both are a missing metric to the HPA, as with metrics-server.
 */
export class CpuSampler {
  private readonly readings = new Map<number, Reading[]>();

  constructor(
    /** How long each sample averages over (real milliseconds, > 0). */
    readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    if (!(windowMs > 0)) throw new RangeError(`metric window must be positive, got ${windowMs}`);
  }

  /** Reads the process now; returns its average usage over the window ending now, if known. */
  async sample(pid: number): Promise<PodMetric | undefined> {
    const at = this.clock();
    let cpuSeconds: number;
    try {
      cpuSeconds = await processCpuSeconds(pid);
    } catch {
      this.readings.delete(pid);
      return undefined;
    }
    const history = [...(this.readings.get(pid) ?? []), { cpuSeconds, at }];
    // The newest reading that opens a full window; older ones are no longer needed.
    const first = history.findLastIndex((reading) => reading.at <= at - this.windowMs);
    this.readings.set(pid, first > 0 ? history.slice(first) : history);
    const start = history[first];
    if (!start) return undefined;
    const windowMs = at - start.at;
    return {
      millicores: ((cpuSeconds - start.cpuSeconds) * 1_000_000) / windowMs,
      timestamp: at,
      windowMs,
    };
  }

  /** Forgets a process (its pod was deleted). */
  forget(pid: number): void {
    this.readings.delete(pid);
  }
}
