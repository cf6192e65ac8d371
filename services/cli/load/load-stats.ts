import { LatencyHistogram } from "./latency-histogram.js";

/** Calls and journeys of one stretch of time (a second, or the whole run). */
export class LoadWindow {
  readonly latencies = new LatencyHistogram();
  /** Failed calls by gRPC status name. */
  readonly errors = new Map<string, number>();
  /** Journeys finished, by kind, ok and failed. */
  readonly journeys = new Map<string, { ok: number; failed: number }>();
  /** Journeys not started because too many were still running. */
  skipped = 0;

  /** Records one call: its latency and, when it failed, its status. */
  call(ms: number, errorCode?: string): void {
    this.latencies.record(ms);
    if (errorCode) this.errors.set(errorCode, (this.errors.get(errorCode) ?? 0) + 1);
  }

  /** Records one finished journey. */
  journey(kind: string, ok: boolean): void {
    const counts = this.journeys.get(kind) ?? { ok: 0, failed: 0 };
    if (ok) counts.ok++;
    else counts.failed++;
    this.journeys.set(kind, counts);
  }

  /** Finished journeys of every kind. */
  get journeyCount(): number {
    let total = 0;
    for (const { ok, failed } of this.journeys.values()) total += ok + failed;
    return total;
  }
}

const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;

function errorsText(window: LoadWindow): string {
  if (window.errors.size === 0) return "none";
  return [...window.errors].map(([code, count]) => `${code} ${count}`).join(", ");
}

/** The live line of one second: `  3s  journeys 10/s  calls 31/s  p50 3.1 ms  p99 12 ms  errors: none`. */
export function secondLine(elapsedS: number, window: LoadWindow): string {
  const skipped = window.skipped > 0 ? `  skipped ${window.skipped} (mesh too slow)` : "";
  return [
    `${String(elapsedS).padStart(4)}s`,
    `journeys ${window.journeyCount}/s`,
    `calls ${window.latencies.count}/s`,
    `p50 ${ms(window.latencies.percentile(50))}`,
    `p99 ${ms(window.latencies.percentile(99))}`,
    `errors: ${errorsText(window)}${skipped}`,
  ].join("  ");
}

/** The summary at the end: totals, then each journey kind, then errors by code. */
export function summary(elapsedMs: number, total: LoadWindow, kinds: readonly string[]): string {
  const seconds = elapsedMs / 1000;
  const journeys = total.journeyCount;
  const lines = [
    `load finished after ${seconds.toFixed(1)} s: ${journeys} journeys (${(journeys / seconds).toFixed(1)}/s), ` +
      `${total.latencies.count} calls, p50 ${ms(total.latencies.percentile(50))}, ` +
      `p99 ${ms(total.latencies.percentile(99))}`,
    ...kinds.map((kind) => {
      const { ok, failed } = total.journeys.get(kind) ?? { ok: 0, failed: 0 };
      return `  ${kind.padEnd(10)} ${String(ok).padStart(6)} ok ${String(failed).padStart(6)} failed`;
    }),
    `  errors by code: ${errorsText(total)}`,
  ];
  if (total.skipped > 0) lines.push(`  skipped: ${total.skipped} journeys (mesh too slow)`);
  return lines.join("\n");
}
