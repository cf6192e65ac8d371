import { performance } from "node:perf_hooks";
import { BreakerRegistry, createLogger } from "../services/kit/index.js";

/**
 * What the kit's circuit breaker (opossum) adds to one call, in microseconds: the same trivial
 * async call made directly and through `BreakerRegistry.protect`, median of `reps` rounds. The
 * CreateOrder breaker on/off ratio measures the same thing end to end, where it drowns in this
 * machine's noise; this isolates it.
 */
export async function breakerOverheadMicros(calls = 200_000, reps = 3): Promise<number> {
  const registry = new BreakerRegistry(
    {
      volumeThreshold: 20,
      errorThresholdPercent: 50,
      rollingWindowMs: 10_000,
      resetTimeoutMs: 5_000,
    },
    createLogger("bench", "silent"),
  );
  const call = async (n: number) => n + 1;
  const guarded = registry.protect("bench", "Call", call);
  const perCall = async (fn: (n: number) => Promise<number>) => {
    const start = performance.now();
    for (let n = 0; n < calls; n++) await fn(n);
    return ((performance.now() - start) * 1000) / calls;
  };
  const added: number[] = [];
  for (let rep = 0; rep < reps; rep++) added.push((await perCall(guarded)) - (await perCall(call)));
  registry.shutdown();
  return added.sort((a, b) => a - b)[Math.floor(reps / 2)] ?? Number.NaN;
}
