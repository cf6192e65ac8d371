import { integer, type Logger, type Pool, text } from "../../kit/index.js";
import {
  BrokerLink,
  CrashPoints,
  declareStream,
  type MessagingConfig,
  messagingSettings,
} from "../../kit/messaging/index.js";
import { orderEventStream } from "../../order-event-stream.js";
import { outboxMetrics } from "./outbox-metrics.js";
import { OutboxStore } from "./outbox-store.js";
import { startRelay } from "./relay.js";

/** The order service's event settings: the broker, and the relay's pace and retention. */
export const outboxSettings = {
  ...messagingSettings,
  outboxRelayIntervalMs: { env: "OUTBOX_RELAY_INTERVAL_MS", parse: integer(10), default: 100 },
  outboxBatchSize: { env: "OUTBOX_BATCH_SIZE", parse: integer(1, 10_000), default: 200 },
  outboxRetentionMs: {
    env: "OUTBOX_RETENTION_MS",
    parse: integer(1_000),
    default: 7 * 24 * 3_600_000,
  },
  crashAt: { env: "SHOPMESH_CRASH_AT", parse: text, default: "" },
} as const;

/** The values of {@link outboxSettings}. */
export interface OutboxConfig extends MessagingConfig {
  readonly outboxRelayIntervalMs: number;
  readonly outboxBatchSize: number;
  readonly outboxRetentionMs: number;
  readonly crashAt: string;
}

/**
 * Connects to the broker (declaring the order events' stream) and starts the relay;
 * `reportComponent` hears whether the broker is reachable (health: degraded). Returns the
 * shutdown: the relay finishes its round, then the connection closes.
 */
export function startOutbox(
  config: OutboxConfig,
  pool: Pool,
  logger: Logger,
  reportComponent: (name: string, up: boolean) => void = () => {},
): () => Promise<void> {
  const link = new BrokerLink(config, "order-service", logger, (manager) =>
    declareStream(manager, orderEventStream(config.natsStreamReplicas)),
  );
  link.reportHealthTo(reportComponent);
  const store = new OutboxStore(pool);
  const relay = startRelay(
    {
      store,
      link,
      logger,
      metrics: outboxMetrics({ backlog: () => store.backlog(), brokerUp: () => link.connected }),
      crash: new CrashPoints(config.crashAt || undefined, logger),
    },
    {
      intervalMs: config.outboxRelayIntervalMs,
      batchSize: config.outboxBatchSize,
      retentionMs: config.outboxRetentionMs,
    },
  );
  return async () => {
    await relay.stop();
    await link.close();
  };
}
