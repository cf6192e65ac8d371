import {
  type CaseSpec,
  caseResult,
  median,
  type SaturationSample,
  saturationSample,
} from "./measure.js";
import type { CaseResult } from "./report.js";

/** Two cases measured in turn, and what the pairs say. */
export interface PairedResult {
  /** The baseline's row, then the other's. */
  readonly results: readonly [CaseResult, CaseResult];
  /** Throughput of the other over the baseline, per pair of runs, ascending. */
  readonly throughputRatios: readonly number[];
}

/**
 * Measures `other` against `baseline` run by run in turn (baseline, other, baseline, …) rather
 * than one case after the other: on a machine shared with other work the load moves by
 * minutes, and each pair then sees about the same machine. The ratio to judge is the median of
 * the per-pair ratios. Latency: both at half the baseline's median saturation, also in turn.
 */
export async function measurePair(
  baseline: CaseSpec,
  other: CaseSpec,
  reps: number,
  fixedRateOf: (baselineSaturationRps: number) => number,
): Promise<PairedResult> {
  const base: SaturationSample[] = [];
  const next: SaturationSample[] = [];
  for (let rep = 0; rep < reps; rep++) {
    base.push(await saturationSample(baseline));
    next.push(await saturationSample(other));
  }
  const rate = Math.max(1, Math.round(fixedRateOf(median(base.map((r) => r.rps)))));
  const baseAtRate = await baseline.atRate(rate);
  const nextAtRate = await other.atRate(rate);
  return {
    results: [
      caseResult(baseline, base, rate, baseAtRate),
      caseResult(other, next, rate, nextAtRate),
    ],
    throughputRatios: next.map((run, i) => run.rps / (base[i]?.rps ?? 1)).sort((a, b) => a - b),
  };
}
