import { peerAddress } from "../kit/end-user/index.js";
import { RetryLater, type UnaryInterceptor } from "../kit/index.js";

/** A token bucket: `perSecond` calls on average, up to `burst` at once. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  readonly limit: RateLimit;
}

// Beyond this many callers, buckets that refilled completely are forgotten (they hold nothing).
const sweepAbove = 10_000;

/**
 * Limits calls per signed-in user (their token's subject) and, for anonymous calls, per client
 * address. Over the limit: RESOURCE_EXHAUSTED with how long to wait (also as `retry-after`).
 */
export function rateLimit(
  limits: { user: RateLimit; address: RateLimit },
  onLimited?: (key: string) => void,
  clock: () => number = Date.now,
): UnaryInterceptor {
  const buckets = new Map<string, Bucket>();
  const take = (key: string, limit: RateLimit): number => {
    const now = clock();
    const bucket = buckets.get(key) ?? { tokens: limit.burst, updatedAt: now, limit };
    bucket.tokens = refilled(bucket, now);
    bucket.updatedAt = now;
    buckets.set(key, bucket);
    if (buckets.size > sweepAbove) sweep(buckets, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / limit.perSecond) * 1000);
  };
  return (next) => async (request, context) => {
    const subject = context.endUser?.subject;
    const [key, limit, who] = subject
      ? [`user:${subject}`, limits.user, "user"]
      : [`address:${peerAddress(context.address ?? "")}`, limits.address, "address"];
    const waitMs = take(key, limit);
    if (waitMs > 0) {
      onLimited?.(key);
      throw new RetryLater(
        `rate limit of ${limit.perSecond} calls per second per ${who} exceeded; retry in ${waitMs} ms`,
        waitMs,
      );
    }
    return next(request, context);
  };
}

function refilled(bucket: Bucket, now: number): number {
  const { perSecond, burst } = bucket.limit;
  return Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
}

function sweep(buckets: Map<string, Bucket>, now: number): void {
  for (const [key, bucket] of buckets) {
    if (refilled(bucket, now) >= bucket.limit.burst) buckets.delete(key);
  }
}
