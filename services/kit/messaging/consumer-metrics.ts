import type { Consumer } from "@nats-io/jetstream";
import { type Counter, metrics } from "@opentelemetry/api";

/** The counters and the lag gauge of one durable consumer. */
export interface ConsumerMetrics {
  readonly handled: Counter;
  readonly failures: Counter;
  readonly redeliveries: Counter;
  readonly deadLetters: Counter;
  /** Follows this consumer's lag (messages not yet delivered plus delivered but unacknowledged). */
  watch(consumer: Consumer): void;
  stop(): void;
}

const lagPollMs = 5_000;

/** Registers the metrics of the durable consumer `durable` (its name labels every series). */
export function consumerMetrics(durable: string): ConsumerMetrics {
  const meter = metrics.getMeter("shopmesh");
  const labels = { consumer: durable };
  const counter = (name: string, description: string): Counter => {
    const created = meter.createCounter(name, { description });
    return { add: (value, attributes) => created.add(value, { ...labels, ...attributes }) };
  };
  let watched: Consumer | undefined;
  let lag = 0;
  const timer = setInterval(() => {
    watched
      ?.info(false)
      .then((info) => {
        lag = info.num_pending + info.num_ack_pending;
      })
      .catch(() => {});
  }, lagPollMs);
  timer.unref();
  meter
    .createObservableGauge("shopmesh.events.consumer.lag", {
      description: "Events not yet handled by this consumer (pending plus unacknowledged)",
    })
    .addCallback((result) => result.observe(lag, labels));
  return {
    handled: counter(
      "shopmesh.events.consumer.handled",
      "Events handled, by outcome (applied, duplicate)",
    ),
    failures: counter(
      "shopmesh.events.consumer.failures",
      "Event deliveries whose handling failed",
    ),
    redeliveries: counter("shopmesh.events.consumer.redeliveries", "Events delivered again"),
    deadLetters: counter(
      "shopmesh.events.consumer.dead_letters",
      "Events moved to the dead-letter subject after too many failed deliveries",
    ),
    watch: (consumer) => {
      watched = consumer;
    },
    stop: () => clearInterval(timer),
  };
}
