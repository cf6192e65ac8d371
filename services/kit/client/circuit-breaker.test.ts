import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RpcError, Status } from "../rpc-error.js";
import { createLogger } from "../telemetry/logger.js";
import { BreakerRegistry, type BreakerSettings, type BreakerStatus } from "./circuit-breaker.js";

const settings: BreakerSettings = {
  volumeThreshold: 2,
  errorThresholdPercent: 50,
  rollingWindowMs: 1_000,
  resetTimeoutMs: 200,
};
const openMessage =
  "product service unavailable: circuit breaker for ReserveStock is open, failing fast";
const down = () => new RpcError(Status.UNAVAILABLE, "product service unavailable: down");

let registry: BreakerRegistry;

beforeEach(() => {
  registry = new BreakerRegistry(settings, createLogger("test", "silent"));
});

afterEach(() => {
  registry.shutdown();
});

/**
 * A downstream call protected by the registry: each call takes the next outcome (an error to
 * throw, or anything else to answer), then answers "reserved" once they run out.
 */
function dependency(method = "ReserveStock") {
  const outcomes: unknown[] = [];
  const received: string[] = [];
  const call = registry.protect("product service", method, async (orderId: string) => {
    received.push(orderId);
    const outcome = outcomes.shift();
    if (outcome instanceof Error) throw outcome;
    return `reserved ${orderId}`;
  });
  return {
    call,
    received,
    /** Queues the outcomes of the next calls. */
    next: (...next: unknown[]) => outcomes.push(...next),
  };
}

function status(method = "ReserveStock"): BreakerStatus | undefined {
  return registry.list().find((breaker) => breaker.method === method);
}

/** Fails calls until the breaker opens (two failures with these settings). */
async function open(downstream: ReturnType<typeof dependency>) {
  downstream.next(down(), down());
  await expect(downstream.call("o-1")).rejects.toMatchObject({ code: Status.UNAVAILABLE });
  await expect(downstream.call("o-2")).rejects.toMatchObject({ code: Status.UNAVAILABLE });
  expect(status()?.state).toBe("open");
}

describe("BreakerRegistry.protect", () => {
  it("passes the arguments and the answer through while closed", async () => {
    const downstream = dependency();
    expect(await downstream.call("o-1")).toBe("reserved o-1");
    expect(downstream.received).toEqual(["o-1"]);
    expect(status()).toEqual({
      dependency: "product service",
      method: "ReserveStock",
      state: "closed",
      successes: 1,
      failures: 0,
      rejects: 0,
    });
  });

  it("passes a dependency's error through unchanged while closed", async () => {
    const downstream = dependency();
    const failure = down();
    downstream.next(failure);
    await expect(downstream.call("o-1")).rejects.toBe(failure);
    expect(status()).toMatchObject({ state: "closed", failures: 1 });
  });

  it("opens after failures, then fails fast with UNAVAILABLE without calling the dependency", async () => {
    const downstream = dependency();
    downstream.next(down(), down());
    await expect(downstream.call("o-1")).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(status()?.state).toBe("closed"); // one call is below the volume threshold
    await expect(downstream.call("o-2")).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(status()?.state).toBe("open");

    const error = await downstream.call("o-3").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: Status.UNAVAILABLE, message: openMessage });
    expect((error as Error).cause).toMatchObject({ code: "EOPENBREAKER" });
    await expect(downstream.call("o-4")).rejects.toMatchObject({ message: openMessage });
    expect(downstream.received).toEqual(["o-1", "o-2"]);
    expect(status()).toMatchObject({ state: "open", successes: 0, failures: 2, rejects: 2 });
  });

  it.each([
    ["a plain Error", new Error("socket hang up")],
    ["DEADLINE_EXCEEDED", new RpcError(Status.DEADLINE_EXCEEDED, "too slow")],
    ["INTERNAL", new RpcError(Status.INTERNAL, "internal error")],
  ])("counts %s as a failure of the dependency", async (_, failure) => {
    const downstream = dependency();
    downstream.next(failure, failure);
    await expect(downstream.call("o-1")).rejects.toBe(failure);
    await expect(downstream.call("o-2")).rejects.toBe(failure);
    expect(status()?.state).toBe("open");
  });

  it("stays closed while failures are below the threshold", async () => {
    const downstream = dependency();
    await downstream.call("o-1");
    await downstream.call("o-2");
    await downstream.call("o-3");
    downstream.next(down());
    await expect(downstream.call("o-4")).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(status()).toMatchObject({ state: "closed", successes: 3, failures: 1 });
  });

  it.each([
    Status.INVALID_ARGUMENT,
    Status.NOT_FOUND,
    Status.ALREADY_EXISTS,
    Status.FAILED_PRECONDITION,
  ])("never opens on the caller's own errors (code %i)", async (code) => {
    const downstream = dependency();
    const errors = [1, 2, 3, 4].map((n) => new RpcError(code, `caller mistake ${n}`));
    downstream.next(...errors);
    for (const [index, error] of errors.entries()) {
      await expect(downstream.call(`o-${index}`)).rejects.toBe(error);
    }
    expect(downstream.received).toHaveLength(4);
    expect(status()).toMatchObject({ state: "closed", failures: 0, rejects: 0 });
    expect(await downstream.call("o-5")).toBe("reserved o-5");
  });

  it("goes half-open after resetTimeoutMs, and a successful probe closes it", async () => {
    const downstream = dependency();
    await open(downstream);
    await expect.poll(() => status()?.state, { timeout: 2_000, interval: 20 }).toBe("half-open");

    expect(await downstream.call("probe")).toBe("reserved probe");
    expect(status()?.state).toBe("closed");
    expect(await downstream.call("o-3")).toBe("reserved o-3");
    expect(downstream.received).toEqual(["o-1", "o-2", "probe", "o-3"]);
  });

  it("lets one probe through while half-open, and opens again if it fails", async () => {
    const downstream = dependency();
    await open(downstream);
    await expect.poll(() => status()?.state, { timeout: 2_000, interval: 20 }).toBe("half-open");

    downstream.next(down());
    await expect(downstream.call("probe")).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
      message: "product service unavailable: down",
    });
    expect(status()?.state).toBe("open");
    await expect(downstream.call("o-3")).rejects.toMatchObject({ message: openMessage });
    expect(downstream.received).toEqual(["o-1", "o-2", "probe"]);

    // And it goes on probing: the next probe may close it.
    await expect.poll(() => status()?.state, { timeout: 2_000, interval: 20 }).toBe("half-open");
    expect(await downstream.call("probe 2")).toBe("reserved probe 2");
    expect(status()?.state).toBe("closed");
  });

  it("fails fast a second call while the half-open probe is in flight", async () => {
    let answerProbe: (answer: string) => void = () => {};
    const received: string[] = [];
    let failing = true;
    const call = registry.protect("product service", "ReserveStock", (orderId: string) => {
      received.push(orderId);
      if (failing) return Promise.reject(down());
      return new Promise<string>((resolve) => {
        answerProbe = resolve;
      });
    });
    await expect(call("o-1")).rejects.toThrow();
    await expect(call("o-2")).rejects.toThrow();
    await expect.poll(() => status()?.state, { timeout: 2_000, interval: 20 }).toBe("half-open");

    failing = false;
    const probe = call("probe");
    await expect(call("o-3")).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
      message: openMessage,
    });
    answerProbe("reserved");
    expect(await probe).toBe("reserved");
    expect(status()?.state).toBe("closed");
    expect(received).toEqual(["o-1", "o-2", "probe"]);
  });

  it("keeps one breaker per method: one opening leaves the others closed", async () => {
    const reserve = dependency("ReserveStock");
    const get = dependency("GetProduct");
    await open(reserve);
    expect(await get.call("p-1")).toBe("reserved p-1");
    expect(registry.list()).toEqual([
      {
        dependency: "product service",
        method: "ReserveStock",
        state: "open",
        successes: 0,
        failures: 2,
        rejects: 0,
      },
      {
        dependency: "product service",
        method: "GetProduct",
        state: "closed",
        successes: 1,
        failures: 0,
        rejects: 0,
      },
    ]);
  });
});

describe("BreakerRegistry.list", () => {
  it("is empty before any call is protected", () => {
    expect(registry.list()).toEqual([]);
  });
});
