// Buckets grow by 2%: a percentile read from them is within 2% of the true one, and a run of
// hours keeps a few hundred counters instead of every sample.
const growth = 1.02;
const smallestMs = 0.01;

/** Call latencies, for percentiles. */
export class LatencyHistogram {
  readonly #buckets = new Map<number, number>();
  #count = 0;

  /** How many latencies were recorded. */
  get count(): number {
    return this.#count;
  }

  /** Records one latency in milliseconds. */
  record(ms: number): void {
    const bucket = Math.max(0, Math.ceil(Math.log(ms / smallestMs) / Math.log(growth)));
    this.#buckets.set(bucket, (this.#buckets.get(bucket) ?? 0) + 1);
    this.#count++;
  }

  /** The latency below which `percent` of the calls finished (upper bound of its bucket); 0 when empty. */
  percentile(percent: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.ceil((percent / 100) * this.#count);
    let seen = 0;
    for (const bucket of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(bucket) ?? 0;
      if (seen >= rank) return smallestMs * growth ** bucket;
    }
    return 0;
  }
}
