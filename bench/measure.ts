import { cpuMicros, peakRssBytes } from "./process-stats.js";
import type { CaseResult } from "./report.js";

/** One saturation run, as both load generators report it. */
export interface SaturationRun {
  readonly rps: number;
  readonly requests: number;
  readonly failed: number;
  readonly firstError?: string;
}

/** One fixed-rate run. */
export interface RateRun {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const mib = (bytes: number) => bytes / (1024 * 1024);

/**
 * Measures one case the same way whatever drives the load: `reps` saturation runs (median
 * req/s and server CPU per request, from the processes in `pids`), then one run at the fixed
 * rate derived from the saturation, for latency; peak memory of each process at the end.
 */
export async function measureCase(options: {
  name: string;
  pids: Readonly<Record<string, number>>;
  reps: number;
  saturate: () => Promise<SaturationRun>;
  fixedRateOf: (saturationRps: number) => number;
  atRate: (rate: number) => Promise<RateRun>;
}): Promise<CaseResult> {
  const pids = Object.values(options.pids);
  const runs: { rps: number; cpu: number }[] = [];
  for (let rep = 0; rep < options.reps; rep++) {
    const before = pids.map(cpuMicros);
    const run = await options.saturate();
    const used = pids.reduce((sum, pid, i) => sum + cpuMicros(pid) - (before[i] ?? 0), 0);
    // A fast failure would pass for speed: a case that fails any call measures nothing.
    if (run.failed > 0 || run.requests === 0) {
      throw new Error(
        `${options.name}: ${run.failed} of ${run.requests} failed ${run.firstError ?? ""}`,
      );
    }
    runs.push({ rps: run.rps, cpu: used / run.requests });
  }
  const saturation = median(runs.map((r) => r.rps));
  const rate = Math.max(1, Math.round(options.fixedRateOf(saturation)));
  const atRate = await options.atRate(rate);
  return {
    name: options.name,
    rps: saturation,
    p50Ms: atRate.p50Ms,
    p99Ms: atRate.p99Ms,
    rate,
    rateKept: atRate.rps >= rate * 0.95,
    cpuMicrosPerRequest: median(runs.map((r) => r.cpu)),
    peakRssMiB: Object.fromEntries(
      Object.entries(options.pids).map(([name, pid]) => [name, mib(peakRssBytes(pid))]),
    ),
  };
}
