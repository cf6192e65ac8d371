import { afterEach, describe, expect, it, vi } from "vitest";
import { RpcError, Status } from "../rpc-error.js";
import { RetryBudget, type RetryPolicy, withRetries } from "./retry.js";

const policy: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 };
const unavailable = () => new RpcError(Status.UNAVAILABLE, "product service unavailable: down");

/** An attempt that fails with each of `failures` in turn, then answers "ok"; records each call. */
function attempts(...failures: unknown[]) {
  const deadlines: number[] = [];
  const attempt = async (deadline: number) => {
    deadlines.push(deadline);
    const failure = failures[deadlines.length - 1];
    if (failure !== undefined) throw failure;
    return "ok";
  };
  return { attempt, count: () => deadlines.length, deadlines };
}

/** Whether the budget still allows a retry after `failures` more failed calls. */
function allowsAfterFailures(budget: RetryBudget, failures: number): boolean {
  for (let i = 0; i < failures; i++) budget.record(false);
  return budget.allowsRetry();
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("withRetries", () => {
  it("answers the first attempt's result without retrying", async () => {
    const { attempt, count, deadlines } = attempts();
    const deadline = Date.now() + 10_000;
    const options = { policy, budget: new RetryBudget(10, 0.1), deadline };
    expect(await withRetries(attempt, options)).toBe("ok");
    expect(count()).toBe(1);
    expect(deadlines).toEqual([deadline]);
  });

  it("retries UNAVAILABLE until an attempt succeeds, each with the call's deadline", async () => {
    const { attempt, count, deadlines } = attempts(unavailable(), unavailable());
    const deadline = Date.now() + 10_000;
    const options = { policy, budget: new RetryBudget(10, 0.1), deadline };
    expect(await withRetries(attempt, options)).toBe("ok");
    expect(count()).toBe(3);
    expect(deadlines).toEqual([deadline, deadline, deadline]);
  });

  it.each([
    ["DEADLINE_EXCEEDED", new RpcError(Status.DEADLINE_EXCEEDED, "too slow")],
    ["INVALID_ARGUMENT", new RpcError(Status.INVALID_ARGUMENT, "id: must be a UUID")],
    ["a plain Error", new Error("socket hang up")],
  ])("does not retry %s", async (_, failure) => {
    const { attempt, count } = attempts(failure);
    const options = { policy, budget: new RetryBudget(10, 0.1), deadline: Date.now() + 10_000 };
    await expect(withRetries(attempt, options)).rejects.toBe(failure);
    expect(count()).toBe(1);
  });

  it("stops at maxAttempts and throws the last error", async () => {
    const last = unavailable();
    const { attempt, count } = attempts(unavailable(), unavailable(), last, unavailable());
    const options = { policy, budget: new RetryBudget(10, 0.1), deadline: Date.now() + 10_000 };
    await expect(withRetries(attempt, options)).rejects.toBe(last);
    expect(count()).toBe(3);
  });

  it("does not retry at all with maxAttempts 1", async () => {
    const failure = unavailable();
    const { attempt, count } = attempts(failure);
    const options = {
      policy: { ...policy, maxAttempts: 1 },
      budget: new RetryBudget(10, 0.1),
      deadline: Date.now() + 10_000,
    };
    await expect(withRetries(attempt, options)).rejects.toBe(failure);
    expect(count()).toBe(1);
  });

  it("stops retrying when the budget runs low", async () => {
    // 4 tokens: retries only while more than 2 are left, so the second failure ends the call.
    const budget = new RetryBudget(4, 1);
    const second = unavailable();
    const { attempt, count } = attempts(unavailable(), second, unavailable());
    const options = {
      policy: { ...policy, maxAttempts: 10 },
      budget,
      deadline: Date.now() + 10_000,
    };
    await expect(withRetries(attempt, options)).rejects.toBe(second);
    expect(count()).toBe(2);
    expect(budget.allowsRetry()).toBe(false);

    // The next call gets its first attempt but no retry.
    const next = attempts(unavailable());
    await expect(withRetries(next.attempt, options)).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
    });
    expect(next.count()).toBe(1);
  });

  it("does not retry when the backoff would end past the deadline", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5); // backoff 500 ms
    const failure = unavailable();
    const { attempt, count } = attempts(failure);
    const options = {
      policy: { maxAttempts: 3, initialBackoffMs: 1_000, maxBackoffMs: 1_000 },
      budget: new RetryBudget(10, 0.1),
      deadline: Date.now() + 20,
    };
    const started = Date.now();
    await expect(withRetries(attempt, options)).rejects.toBe(failure);
    expect(count()).toBe(1);
    expect(Date.now() - started).toBeLessThan(400); // did not sleep the backoff
  });

  it("does not retry once the deadline has passed", async () => {
    const failure = unavailable();
    const { attempt, count } = attempts(failure);
    const options = { policy, budget: new RetryBudget(10, 0.1), deadline: Date.now() - 1 };
    await expect(withRetries(attempt, options)).rejects.toBe(failure);
    expect(count()).toBe(1);
  });

  it("backs off exponentially with jitter, capped at maxBackoffMs, and within the deadline", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "Date"] });
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const started = Date.now();
    const sentAt: number[] = [];
    const attempt = async () => {
      sentAt.push(Date.now() - started);
      throw unavailable();
    };
    const options = {
      policy: { maxAttempts: 6, initialBackoffMs: 100, maxBackoffMs: 300 },
      budget: new RetryBudget(100, 0.1),
      // Backoffs of half the ceiling: 50, 100, 150 (capped), 150 (capped), 150 (capped).
      // The fifth attempt is sent at 450 ms; its 150 ms backoff would end at the deadline.
      deadline: started + 600,
    };
    const call = withRetries(attempt, options);
    const settled = expect(call).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    await vi.advanceTimersByTimeAsync(1_000);
    await settled;
    expect(sentAt).toEqual([0, 50, 150, 300, 450]);
  });

  it("tells onRetry the number of each retry attempt and the error it follows", async () => {
    const first = unavailable();
    const second = unavailable();
    const { attempt } = attempts(first, second);
    const onRetry = vi.fn();
    const options = {
      policy,
      budget: new RetryBudget(10, 0.1),
      deadline: Date.now() + 10_000,
      onRetry,
    };
    expect(await withRetries(attempt, options)).toBe("ok");
    expect(onRetry.mock.calls).toEqual([
      [2, first],
      [3, second],
    ]);
  });

  it("does not call onRetry when it does not retry", async () => {
    const { attempt } = attempts(new RpcError(Status.NOT_FOUND, "user 1 not found"));
    const onRetry = vi.fn();
    const options = {
      policy,
      budget: new RetryBudget(10, 0.1),
      deadline: Date.now() + 10_000,
      onRetry,
    };
    await expect(withRetries(attempt, options)).rejects.toMatchObject({ code: Status.NOT_FOUND });
    expect(onRetry).not.toHaveBeenCalled();
  });

  it("earns tokens back with successful calls", async () => {
    const budget = new RetryBudget(4, 1);
    const options = {
      policy: { ...policy, maxAttempts: 10 },
      budget,
      deadline: Date.now() + 10_000,
    };
    await expect(
      withRetries(attempts(unavailable(), unavailable()).attempt, options),
    ).rejects.toThrow();
    expect(budget.allowsRetry()).toBe(false); // 2 tokens left
    expect(await withRetries(attempts().attempt, options)).toBe("ok"); // 3 tokens
    expect(budget.allowsRetry()).toBe(true);
    // A retry costs the failure before it: with 3 tokens a failure leaves 2, too few to retry.
    const tooSoon = attempts(unavailable());
    await expect(withRetries(tooSoon.attempt, options)).rejects.toThrow();
    expect(tooSoon.count()).toBe(1);
    for (let i = 0; i < 2; i++) await withRetries(attempts().attempt, options); // 4 tokens: full
    const flaky = attempts(unavailable());
    expect(await withRetries(flaky.attempt, options)).toBe("ok");
    expect(flaky.count()).toBe(2);
  });
});

describe("RetryBudget", () => {
  it("starts full and allows retries while more than half the tokens are left", () => {
    const budget = new RetryBudget(10, 0.1);
    expect(budget.allowsRetry()).toBe(true);
    expect(allowsAfterFailures(budget, 4)).toBe(true); // 6 tokens
    expect(allowsAfterFailures(budget, 1)).toBe(false); // 5 tokens: exactly half
  });

  it("recovers tokenRatio per success", () => {
    const budget = new RetryBudget(10, 0.5);
    expect(allowsAfterFailures(budget, 5)).toBe(false); // 5 tokens
    budget.record(true); // 5.5
    expect(budget.allowsRetry()).toBe(true);
    budget.record(false); // 4.5
    budget.record(true); // 5
    expect(budget.allowsRetry()).toBe(false);
    budget.record(true); // 5.5
    expect(budget.allowsRetry()).toBe(true);
  });

  it("never holds more than maxTokens", () => {
    const budget = new RetryBudget(10, 1);
    for (let i = 0; i < 20; i++) budget.record(true);
    expect(allowsAfterFailures(budget, 4)).toBe(true); // 6 tokens
    expect(allowsAfterFailures(budget, 1)).toBe(false); // 5 tokens
  });

  it("never falls below zero tokens", () => {
    const budget = new RetryBudget(10, 1);
    expect(allowsAfterFailures(budget, 50)).toBe(false); // 0 tokens, not -40
    for (let i = 0; i < 5; i++) budget.record(true);
    expect(budget.allowsRetry()).toBe(false); // 5 tokens
    budget.record(true);
    expect(budget.allowsRetry()).toBe(true); // 6 tokens
  });
});
