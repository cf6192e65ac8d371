import { InvalidationListener } from "../../kit/cache/index.js";
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
import { outboxChannel } from "./outbox-migration.js";
import { OutboxStore } from "./outbox-store.js";
import { startRelay } from "./relay.js";

/** The order service's event settings: the broker, and the relay's pace and retention. */
export const outboxSettings = {
  ...messagingSettings,
  outboxRelayIntervalMs: { env: "OUTBOX_RELAY_INTERVAL_MS", parse: integer(10), default: 100 },
  // The fallback poll of an idle relay: each commit of an event wakes it (LISTEN/NOTIFY).
  outboxRelayIdlePollMs: {
    env: "OUTBOX_RELAY_IDLE_POLL_MS",
    parse: integer(100),
    default: 10_000,
  },
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
  readonly outboxRelayIdlePollMs: number;
  readonly outboxBatchSize: number;
  readonly outboxRetentionMs: number;
  readonly crashAt: string;
}

/**
 * Connects to the broker (declaring the order events' stream) and starts the relay, woken by
 * each commit of an event (LISTEN on its own connection to `config.databaseUrl`) and by the
 * broker's return; `reportComponent` hears whether the broker is reachable (health: degraded).
 * Returns the shutdown: the relay finishes its round, then the connections close.
 */
export function startOutbox(
  config: OutboxConfig & { readonly databaseUrl: string },
  pool: Pool,
  logger: Logger,
  reportComponent: (name: string, up: boolean) => void = () => {},
): () => Promise<void> {
  const link = new BrokerLink(config, "order-service", logger, (manager) =>
    declareStream(manager, orderEventStream(config.natsStreamReplicas)),
  );
  link.reportHealthTo(reportComponent);
  const store = new OutboxStore(pool);
  let listening = false;
  const relay = startRelay(
    {
      store,
      link,
      logger,
      metrics: outboxMetrics({ backlog: () => store.backlog(), brokerUp: () => link.connected }),
      crash: new CrashPoints(config.crashAt || undefined, logger),
      notified: () => listening,
    },
    {
      intervalMs: config.outboxRelayIntervalMs,
      idlePollMs: config.outboxRelayIdlePollMs,
      batchSize: config.outboxBatchSize,
      retentionMs: config.outboxRetentionMs,
    },
  );
  // Events written while nobody listened (before `up`) are sent at once; after `down`, the
  // relay polls at its interval again.
  const listener = new InvalidationListener(
    {
      url: config.databaseUrl,
      channel: outboxChannel,
      applicationName: "order-outbox-relay",
      retryMs: 1_000,
      pingMs: 30_000,
    },
    {
      up: () => {
        listening = true;
        relay.wake();
      },
      down: () => {
        listening = false;
        relay.wake();
      },
      message: () => relay.wake(),
    },
  );
  link.onChange((up) => {
    if (up) relay.wake();
  });
  return async () => {
    await relay.stop();
    await Promise.all([listener.close(), link.close()]);
  };
}
