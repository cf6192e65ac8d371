import { type Counter, metrics } from "@opentelemetry/api";
import type { Backlog } from "./outbox-store.js";

/** The relay's counters: publishes, failures, and publishes the broker already held. */
export interface OutboxMetrics {
  readonly published: Counter;
  readonly publishFailures: Counter;
  /** Publishes the broker answered as duplicates: events it stored before (crash before mark). */
  readonly republished: Counter;
}

/** Where the gauges read from when they are collected. */
export interface OutboxGaugeSources {
  /** The outbox's backlog, read fresh (one query per collection). */
  backlog(): Promise<Backlog>;
  /** Whether the broker link is up now. */
  brokerUp(): boolean;
}

/**
 * Registers the outbox metrics on the service's meter. The gauges are read when collected, not
 * after relay rounds: a round can wait on the broker for seconds, and the backlog must show
 * while it does.
 */
export function outboxMetrics(sources: OutboxGaugeSources): OutboxMetrics {
  const meter = metrics.getMeter("shopmesh");
  const backlog = meter.createObservableGauge("shopmesh.outbox.backlog", {
    description: "Order events written but not yet acknowledged by the broker",
  });
  const oldestAge = meter.createObservableGauge("shopmesh.outbox.oldest_age", {
    description: "Age of the oldest unsent order event",
    unit: "s",
  });
  meter.addBatchObservableCallback(
    async (result) => {
      // The database away: no reading rather than a stale or made-up one.
      const reading = await sources.backlog().catch(() => undefined);
      if (!reading) return;
      result.observe(backlog, reading.unsent);
      result.observe(oldestAge, reading.oldestAgeSeconds);
    },
    [backlog, oldestAge],
  );
  meter
    .createObservableGauge("shopmesh.events.broker.connected", {
      description: "1 while the event broker is connected, 0 while events wait (degraded)",
    })
    .addCallback((result) => result.observe(sources.brokerUp() ? 1 : 0));
  return {
    published: meter.createCounter("shopmesh.outbox.published", {
      description: "Order events the broker acknowledged (duplicates included)",
    }),
    publishFailures: meter.createCounter("shopmesh.outbox.publish_failures", {
      description: "Order event publishes that failed (broker down, no acknowledgement in time)",
    }),
    republished: meter.createCounter("shopmesh.outbox.republished", {
      description:
        "Order events the broker already held when published (a relay died between publish and mark)",
    }),
  };
}
