import { type Counter, metrics } from "@opentelemetry/api";
import type { Backlog } from "./outbox-store.js";

/** The relay's instruments: backlog and oldest age (gauges), publishes and failures (counters). */
export interface OutboxMetrics {
  readonly published: Counter;
  readonly publishFailures: Counter;
  /** Called with each fresh backlog reading (the gauges report the last one). */
  observe(backlog: Backlog, brokerUp: boolean): void;
}

/** Registers the outbox metrics on the service's meter. */
export function outboxMetrics(): OutboxMetrics {
  const meter = metrics.getMeter("shopmesh");
  let last: Backlog = { unsent: 0, oldestAgeSeconds: 0 };
  let up = false;
  meter
    .createObservableGauge("shopmesh.outbox.backlog", {
      description: "Order events written but not yet acknowledged by the broker",
    })
    .addCallback((result) => result.observe(last.unsent));
  meter
    .createObservableGauge("shopmesh.outbox.oldest_age", {
      description: "Age of the oldest unsent order event",
      unit: "s",
    })
    .addCallback((result) => result.observe(last.oldestAgeSeconds));
  meter
    .createObservableGauge("shopmesh.events.broker.connected", {
      description: "1 while the event broker is connected, 0 while events wait (degraded)",
    })
    .addCallback((result) => result.observe(up ? 1 : 0));
  return {
    published: meter.createCounter("shopmesh.outbox.published", {
      description: "Order events the broker acknowledged (duplicates included)",
    }),
    publishFailures: meter.createCounter("shopmesh.outbox.publish_failures", {
      description: "Order event publishes that failed (broker down, no acknowledgement in time)",
    }),
    observe: (backlog, brokerUp) => {
      last = backlog;
      up = brokerUp;
    },
  };
}
