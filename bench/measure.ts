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

/** What a case is made of: its processes and the two ways it is loaded. */
export interface CaseSpec {
  readonly name: string;
  readonly pids: Readonly<Record<string, number>>;
  readonly saturate: () => Promise<SaturationRun>;
  readonly atRate: (rate: number) => Promise<RateRun>;
}

/** One saturation run's req/s and server CPU per request. */
export interface SaturationSample {
  readonly rps: number;
  readonly cpu: number;
}

/** The median (upper middle for an even count). */
export const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const mib = (bytes: number) => bytes / (1024 * 1024);

/**
 * Measures one case the same way whatever drives the load: `reps` saturation runs (median
 * req/s and server CPU per request, from the processes in `pids`), then one run at the fixed
 * rate derived from the saturation, for latency; peak memory of each process at the end.
 */
export async function measureCase(
  options: CaseSpec & { reps: number; fixedRateOf: (saturationRps: number) => number },
): Promise<CaseResult> {
  const runs: SaturationSample[] = [];
  for (let rep = 0; rep < options.reps; rep++) runs.push(await saturationSample(options));
  const rate = Math.max(1, Math.round(options.fixedRateOf(median(runs.map((r) => r.rps)))));
  return caseResult(options, runs, rate, await options.atRate(rate));
}

/** One saturation run of `spec`; throws when any call failed (a fast failure is no speed). */
export async function saturationSample(spec: CaseSpec): Promise<SaturationSample> {
  const pids = Object.values(spec.pids);
  const before = pids.map(cpuMicros);
  const run = await spec.saturate();
  const used = pids.reduce((sum, pid, i) => sum + cpuMicros(pid) - (before[i] ?? 0), 0);
  if (run.failed > 0 || run.requests === 0) {
    throw new Error(
      `${spec.name}: ${run.failed} of ${run.requests} failed ${run.firstError ?? ""}`,
    );
  }
  return { rps: run.rps, cpu: used / run.requests };
}

/** The case's row: medians of its saturation runs, latency at `rate`, peak memory now. */
export function caseResult(
  spec: CaseSpec,
  runs: readonly SaturationSample[],
  rate: number,
  atRate: RateRun,
): CaseResult {
  return {
    name: spec.name,
    rps: median(runs.map((r) => r.rps)),
    p50Ms: atRate.p50Ms,
    p99Ms: atRate.p99Ms,
    rate,
    rateKept: atRate.rps >= rate * 0.95,
    cpuMicrosPerRequest: median(runs.map((r) => r.cpu)),
    peakRssMiB: Object.fromEntries(
      Object.entries(spec.pids).map(([name, pid]) => [name, mib(peakRssBytes(pid))]),
    ),
  };
}
