import { Writable } from "node:stream";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { BreakerRegistry } from "./client/circuit-breaker.js";
import { RetryBudget, withRetries } from "./client/retry.js";
import { downstreamError } from "./client/unary-attempt.js";
import { RpcError, Status } from "./rpc-error.js";
import { callLogger } from "./server/call-logger.js";
import { CallerGaveUp, meaningOf, statusSemantics } from "./status-semantics.js";
import { createLogger } from "./telemetry/logger.js";
import { toRpcError } from "./to-rpc-error.js";

// Item 6 of issue 11: one table decides; each consumer is checked against it, code by code.

const codes = Object.keys(statusSemantics).map(Number) as Status[];
const failures = codes.filter((code) => code !== Status.OK);
const method = { dependency: "product service", name: "ReserveStock" };

function serviceError(code: Status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${Status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

describe("the status table", () => {
  it("has a row for every gRPC code", () => {
    const grpcCodes = Object.values(Status).filter((value) => typeof value === "number");
    expect(codes.sort((a, b) => a - b)).toEqual(grpcCodes.sort((a, b) => a - b));
  });

  it("calls INTERNAL, UNKNOWN and DATA_LOSS bugs: logged as errors, relayed as INTERNAL", () => {
    for (const code of [Status.INTERNAL, Status.UNKNOWN, Status.DATA_LOSS]) {
      expect(meaningOf(code)).toMatchObject({
        callerFault: false,
        logLevel: "error",
        relayedAs: Status.INTERNAL,
        relayMessage: false,
      });
    }
  });

  it("never relays a caller's mistake as INTERNAL, nor counts it against a dependency", () => {
    for (const code of failures.filter((c) => meaningOf(c).relayMessage)) {
      expect(meaningOf(code)).toMatchObject({ callerFault: true, dependencyFailure: false });
      expect(meaningOf(code).relayedAs).toBe(code);
    }
  });
});

describe("downstreamError (the service client) relays each code as the table says", () => {
  it.each(failures)("code %i", (code) => {
    const cause = serviceError(code, "secret detail from 10.0.0.7");
    const relayed = downstreamError(method, cause);
    expect(relayed.code).toBe(meaningOf(code).relayedAs);
    expect(relayed.cause).toBe(cause);
    if (meaningOf(code).relayMessage) expect(relayed.message).toBe("secret detail from 10.0.0.7");
    else {
      expect(relayed.message).not.toContain("secret");
      expect(relayed.message).toContain("product service");
    }
  });

  it("marks a DEADLINE_EXCEEDED cut by the caller's own deadline as the caller's", () => {
    const cut = downstreamError(method, serviceError(Status.DEADLINE_EXCEEDED, "late"), true);
    expect(cut).toBeInstanceOf(CallerGaveUp);
    expect(cut.code).toBe(Status.DEADLINE_EXCEEDED);
  });
});

describe("toRpcError relays a raw grpc-js error that escaped a handler", () => {
  it.each(failures)("code %i", (code) => {
    const relayed = toRpcError(serviceError(code, "the dependency's own words"));
    expect(relayed.code).toBe(meaningOf(code).relayedAs);
    expect(relayed.message.includes("own words")).toBe(meaningOf(code).relayMessage);
  });
});

/** A breaker registry whose breakers open at the first counted failure. */
function oneFailureOpens(): BreakerRegistry {
  const settings = { errorThresholdPercent: 50, volumeThreshold: 1, rollingWindowMs: 10_000 };
  return new BreakerRegistry(
    { ...settings, resetTimeoutMs: 60_000 },
    createLogger("test", "silent"),
  );
}

describe("the breakers count what the table calls a dependency failure", () => {
  it.each(failures)("code %i", async (code) => {
    const registry = oneFailureOpens();
    const call = registry.protect("product service", "ReserveStock", async () => {
      throw new RpcError(code, "failed");
    });
    await call().catch(() => {});
    const [breaker] = registry.list();
    expect(breaker?.failures).toBe(meaningOf(code).dependencyFailure ? 1 : 0);
    expect(breaker?.state).toBe(meaningOf(code).dependencyFailure ? "open" : "closed");
    registry.shutdown();
  });

  it("does not count a call the caller gave up on", async () => {
    const registry = oneFailureOpens();
    const call = registry.protect("product service", "ReserveStock", async () => {
      throw new CallerGaveUp(Status.DEADLINE_EXCEEDED, "caller's deadline");
    });
    await call().catch(() => {});
    expect(registry.list()[0]).toMatchObject({ failures: 0, state: "closed" });
    registry.shutdown();
  });
});

describe("withRetries retries what the table calls retryable", () => {
  it.each(failures)("code %i", async (code) => {
    let attempts = 0;
    const attempt = async () => {
      attempts++;
      if (attempts === 1) throw new RpcError(code, "first attempt failed");
      return "ok";
    };
    const outcome = await withRetries(attempt, {
      policy: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 1 },
      budget: new RetryBudget(10, 0.1),
      deadline: Date.now() + 10_000,
    }).catch((e: unknown) => e);
    expect(attempts).toBe(meaningOf(code).retryable ? 2 : 1);
    expect(outcome === "ok").toBe(meaningOf(code).retryable);
  });
});

describe("the call logger logs each code at the table's level", () => {
  it.each(codes)("code %i", (code) => {
    const lines: { level: string; code: string; err?: unknown }[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const logger = pino({ formatters: { level: (label) => ({ level: label }) } }, sink);
    const cause = new Error("the original failure");
    const error = code === Status.OK ? undefined : new RpcError(code, "answer", { cause });
    callLogger(logger)({ method: "/m", code, durationMs: 1, ...(error ? { error } : {}) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: meaningOf(code).logLevel, code: Status[code] });
    // The cause the caller never sees is in the log line of every failure.
    if (error) expect(lines[0]?.err).toMatchObject({ message: "the original failure" });
  });
});
