import type { RpcError } from "../rpc-error.js";
import { isRetryable } from "../status-semantics.js";

/** How a safe call is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first one included; 1 disables retries. */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

/**
 * Retry throttling as in gRPC's `retryThrottling`: every failure costs a token, every success
 * earns `tokenRatio` back, and retries stop while fewer than half the tokens are left. During an
 * outage retries therefore dry up instead of multiplying the load on a struggling dependency.
 */
export class RetryBudget {
  private tokens: number;

  constructor(
    private readonly maxTokens: number,
    private readonly tokenRatio: number,
  ) {
    this.tokens = maxTokens;
  }

  /** Records a call's outcome. */
  record(succeeded: boolean): void {
    this.tokens = succeeded
      ? Math.min(this.maxTokens, this.tokens + this.tokenRatio)
      : Math.max(0, this.tokens - 1);
  }

  /** Whether a retry may be sent now. */
  allowsRetry(): boolean {
    return this.tokens > this.maxTokens / 2;
  }
}

/** What {@link withRetries} needs besides the attempt itself. */
export interface RetryOptions {
  readonly policy: RetryPolicy;
  readonly budget: RetryBudget;
  /** Absolute deadline of the whole call: no attempt or backoff runs past it. */
  readonly deadline: number;
  /** Told before each retry, for logs and traces. */
  readonly onRetry?: (attempt: number, error: RpcError) => void;
}

/**
 * Runs `attempt` until it succeeds, fails with a code the status table does not call retryable
 * (UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED are), the caller gave up, or the attempts, the budget
 * or the deadline run out. Only for calls that are safe to repeat (reads, or writes keyed by an
 * idempotency key): UNAVAILABLE means the request may not have been processed, not that it was
 * not.
 */
export async function withRetries<T>(
  attempt: (deadline: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { policy, budget, deadline } = options;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      const result = await attempt(deadline);
      budget.record(true);
      return result;
    } catch (error) {
      const retryable = isRetryable(error);
      if (retryable) budget.record(false);
      const backoff = backoffMs(policy, attemptNumber);
      if (
        !retryable ||
        attemptNumber >= policy.maxAttempts ||
        !budget.allowsRetry() ||
        Date.now() + backoff >= deadline
      ) {
        throw error;
      }
      options.onRetry?.(attemptNumber + 1, error);
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }
}

/** Exponential backoff with full jitter, so that retrying clients do not move in lockstep. */
function backoffMs(policy: RetryPolicy, attemptNumber: number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attemptNumber - 1));
  return Math.random() * ceiling;
}
