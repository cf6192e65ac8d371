// The order service's transactional outbox and its relay to NATS JetStream.
export { encodeEvent, subjectOf } from "./order-event-encoding.js";
export { type OutboxGaugeSources, type OutboxMetrics, outboxMetrics } from "./outbox-metrics.js";
export {
  eventTypeOf,
  outboxChannel,
  outboxMigration,
  outboxNotifyMigration,
  recordEventSql,
} from "./outbox-migration.js";
export { type Backlog, type OutboxRow, OutboxStore } from "./outbox-store.js";
export { type RelayOptions, type RelayParts, startRelay } from "./relay.js";
export { type OutboxConfig, outboxSettings, startOutbox } from "./start-outbox.js";
