import { type Counter, metrics } from "@opentelemetry/api";
import type { BreakerRegistry, BreakerState } from "../client/circuit-breaker.js";
import { Status } from "../rpc-error.js";
import type { CallObserver } from "../server/grpc-service.js";

const meter = () => metrics.getMeter("shopmesh");

// 0.5 ms to 10 s: unary calls of a healthy mesh sit in the low milliseconds, a dependency's
// deadline in seconds.
const durationBuckets = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const breakerStateValues: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

/** What a service process measures besides each call (its pool: instrumentation-pg does). */
export interface MeasuredParts {
  readonly breakers: BreakerRegistry;
  readonly inFlight: () => number;
}

/**
 * Registers the service's metrics (exported by the OpenTelemetry SDK, e.g. on the Prometheus
 * endpoint) and returns the observer that records every call: rate, errors by status code and
 * latency per RPC method; in-flight calls; breaker state per dependency.
 * Without an SDK the API's no-op meter makes all of this free.
 */
export function instrumentService(parts: MeasuredParts): CallObserver {
  const calls = meter().createHistogram("rpc.server.call.duration", {
    description: "Duration of gRPC calls served, by method and status code",
    unit: "s",
    advice: { explicitBucketBoundaries: durationBuckets },
  });
  meter()
    .createObservableGauge("rpc.server.in_flight_calls", {
      description: "Calls being served now (load shedding refuses beyond MAX_IN_FLIGHT)",
    })
    .addCallback((result) => result.observe(parts.inFlight()));
  meter()
    .createObservableGauge("shopmesh.circuit_breaker.state", {
      description: "Circuit breaker state per downstream method: 0 closed, 1 half-open, 2 open",
    })
    .addCallback((result) => {
      for (const breaker of parts.breakers.list()) {
        const { dependency, method } = breaker;
        result.observe(breakerStateValues[breaker.state], { dependency, method });
      }
    });
  return ({ method, code, durationMs }) => {
    calls.record(durationMs / 1000, {
      "rpc.system": "grpc",
      "rpc.method": method,
      "rpc.grpc.status_code": code,
      "rpc.grpc.status": Status[code],
    });
  };
}

/** A counter of mesh events (retries, shed calls, injected faults). */
export function eventCounter(name: string, description: string): Counter {
  return meter().createCounter(name, { description });
}
