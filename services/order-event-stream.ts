// The order events' place on the broker: shared by the order service (publisher), the user
// service (consumer) and the CLI (`shopmesh events tail`), like the protos they carry.
import type { StreamSpec } from "./kit/messaging/index.js";

/** Subject prefix of every order event; the type follows (order-events.order.confirmed). */
export const orderEventSubjectPrefix = "order-events.";

/** The durable stream of order events (deduplicating a republish within 10 minutes). */
export function orderEventStream(replicas: number): StreamSpec {
  return {
    name: "ORDER_EVENTS",
    subjects: [`${orderEventSubjectPrefix}>`],
    maxAgeMs: 7 * 24 * 3_600_000,
    duplicateWindowMs: 10 * 60_000,
    replicas,
  };
}

/** Where consumers put the events they gave up on, with the error in the headers. */
export function deadLetterStream(replicas: number): StreamSpec {
  return {
    name: "ORDER_EVENTS_DEAD_LETTER",
    subjects: ["order-events-dead-letter.>"],
    maxAgeMs: 30 * 24 * 3_600_000,
    duplicateWindowMs: 10 * 60_000,
    replicas,
  };
}
