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

/**
 * The metrics pipeline for simulated pods: like metrics-server, a usage figure needs two
 * readings, and is the CPU used between them over the time between them (a rate in millicores).
 * A process read for the first time, or gone, has no sample (a missing metric to the HPA).
 */
export class CpuSampler {
  private readonly last = new Map<number, { cpuSeconds: number; at: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Reads the process now; returns its usage since the previous reading, if any. */
  async sample(pid: number): Promise<PodMetric | undefined> {
    const at = this.clock();
    let cpuSeconds: number;
    try {
      cpuSeconds = await processCpuSeconds(pid);
    } catch {
      this.last.delete(pid);
      return undefined;
    }
    const previous = this.last.get(pid);
    this.last.set(pid, { cpuSeconds, at });
    if (!previous || at <= previous.at) return undefined;
    const windowMs = at - previous.at;
    return {
      millicores: ((cpuSeconds - previous.cpuSeconds) * 1_000_000) / windowMs,
      timestamp: at,
      windowMs,
    };
  }

  /** Forgets a process (its pod was deleted). */
  forget(pid: number): void {
    this.last.delete(pid);
  }
}
