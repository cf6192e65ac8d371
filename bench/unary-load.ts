import { performance } from "node:perf_hooks";

/** Outcome of {@link runUnaryLoad}. Latencies cover every finished call, failed ones included. */
export interface UnaryLoadResult {
  /** Calls that finished (resolved or rejected) within the run. */
  requests: number;
  /** Of those, calls that rejected. */
  failed: number;
  /** The duration, or longer when calls still in flight at its end took longer to settle. */
  seconds: number;
  /** `requests / seconds`. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Message of the first rejection, so a run that only produced errors says why. */
  firstError?: string;
}

/** Options of {@link runUnaryLoad}. */
export interface UnaryLoadOptions {
  /** Calls in flight at most. */
  concurrency: number;
  /** Time during which new calls are started; calls in flight at the end are still awaited. */
  durationSeconds: number;
  /** Total calls per second, paced evenly; absent = as fast as `concurrency` allows. */
  rate?: number;
}

/**
 * Nearest-rank percentile of latencies already sorted ascending: the smallest value that at
 * least `p` percent of the samples do not exceed. `p` is in percent (50, 99). NaN when empty,
 * so an empty run cannot pass for a fast one.
 */
export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedMs.length);
  const index = Math.min(sortedMs.length - 1, Math.max(0, rank - 1));
  return sortedMs[index] ?? Number.NaN;
}

/**
 * Calls `call` repeatedly with at most `concurrency` calls in flight for `durationSeconds`, for
 * requests h2load cannot send because each needs its own body (a fresh request_id, say).
 * With `rate`, call number i is not started before `start + i / rate`: pacing by schedule
 * rather than by sleeping after each call keeps the rate exact even when calls are slow, and a
 * call that is due while all slots are busy starts as soon as one frees (so latency includes
 * the client's own queueing only when the target rate exceeds what `concurrency` can carry).
 */
export async function runUnaryLoad(
  call: () => Promise<unknown>,
  options: UnaryLoadOptions,
): Promise<UnaryLoadResult> {
  if (!(options.concurrency >= 1)) throw new Error("runUnaryLoad: concurrency must be >= 1");
  if (options.rate !== undefined && !(options.rate > 0)) {
    throw new Error("runUnaryLoad: rate must be > 0 when given");
  }
  const latenciesMs: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const end = start + options.durationSeconds * 1000;
  const interval = options.rate === undefined ? 0 : 1000 / options.rate;
  let scheduled = 0;

  // Each worker takes the next slot of the shared schedule, so together they keep the pace.
  const worker = async (): Promise<void> => {
    for (;;) {
      const due = start + scheduled * interval;
      if (due >= end || performance.now() >= end) return;
      scheduled += 1;
      // A timer may fire a little early (it counts from the loop's cached clock): wait again.
      for (let wait = due - performance.now(); wait > 0; wait = due - performance.now()) {
        await sleep(wait);
      }
      const began = performance.now();
      try {
        await call();
      } catch (error) {
        failed += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
      latenciesMs.push(performance.now() - began);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));

  // With a rate, the last call starts up to one interval before the end; dividing by the elapsed
  // time alone would overstate the rate by that much.
  const seconds = Math.max(options.durationSeconds, (performance.now() - start) / 1000);
  latenciesMs.sort((a, b) => a - b);
  const result: UnaryLoadResult = {
    requests: latenciesMs.length,
    failed,
    seconds,
    rps: seconds > 0 ? latenciesMs.length / seconds : 0,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
  };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
