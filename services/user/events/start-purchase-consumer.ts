import { integer, type Logger, startPeriodicTask, text } from "../../kit/index.js";
import {
  BrokerLink,
  CrashPoints,
  declareConsumer,
  declareStream,
  type MessagingConfig,
  messagingSettings,
  startDurableConsumer,
} from "../../kit/messaging/index.js";
import {
  deadLetterStream,
  orderEventStream,
  orderEventSubjectPrefix,
} from "../../order-event-stream.js";
import { orderEventHandler, UnusableEvent } from "./order-event-handler.js";
import type { PurchaseStore } from "./purchase-store.js";

/** The user service's event settings: the broker, and the consumer's retry limits. */
export const purchaseConsumerSettings = {
  ...messagingSettings,
  eventMaxDeliveries: { env: "EVENT_MAX_DELIVERIES", parse: integer(1, 100), default: 5 },
  eventRetryBackoffMs: { env: "EVENT_RETRY_BACKOFF_MS", parse: integer(10), default: 1_000 },
  eventAckWaitMs: { env: "EVENT_ACK_WAIT_MS", parse: integer(1_000), default: 30_000 },
  crashAt: { env: "SHOPMESH_CRASH_AT", parse: text, default: "" },
} as const;

/** The values of {@link purchaseConsumerSettings}. */
export interface PurchaseConsumerConfig extends MessagingConfig {
  readonly eventMaxDeliveries: number;
  readonly eventRetryBackoffMs: number;
  readonly eventAckWaitMs: number;
  readonly crashAt: string;
}

/** The durable consumer's name: one per service, shared by its replicas. */
export const purchaseConsumerName = "user-service";
/** Where the user service puts order events it cannot apply. */
export const purchaseDeadLetterSubject = "order-events-dead-letter.user-service";
const processedRetentionMs = 30 * 24 * 3_600_000;

/**
 * Consumes the order events into the purchase summaries: connects to the broker, declares the
 * streams and the durable consumer, handles events until shutdown, and forgets applied event ids
 * after 30 days; `reportComponent` hears whether the broker is reachable (health: degraded).
 * Returns the shutdown.
 */
export function startPurchaseConsumer(
  config: PurchaseConsumerConfig,
  store: PurchaseStore,
  logger: Logger,
  reportComponent: (name: string, up: boolean) => void = () => {},
): () => Promise<void> {
  const spec = {
    stream: orderEventStream(config.natsStreamReplicas).name,
    durable: purchaseConsumerName,
    filterSubject: `${orderEventSubjectPrefix}order.>`,
    maxDeliveries: config.eventMaxDeliveries,
    deadLetterSubject: purchaseDeadLetterSubject,
    backoffMs: config.eventRetryBackoffMs,
    ackWaitMs: config.eventAckWaitMs,
    handle: orderEventHandler(store),
    permanent: (error: unknown) => error instanceof UnusableEvent,
  };
  const link = new BrokerLink(config, "user-service", logger, async (manager) => {
    await declareStream(manager, orderEventStream(config.natsStreamReplicas));
    await declareStream(manager, deadLetterStream(config.natsStreamReplicas));
    await declareConsumer(manager, spec);
  });
  link.reportHealthTo(reportComponent);
  const consumer = startDurableConsumer(
    link,
    spec,
    logger,
    new CrashPoints(config.crashAt || undefined, logger),
  );
  const pruning = startPeriodicTask(
    async () => {
      await store.pruneProcessed(processedRetentionMs);
    },
    3_600_000,
    (error) => logger.warn({ err: error }, "pruning processed event ids failed"),
  );
  return async () => {
    await pruning.stop();
    await consumer.stop();
    await link.close();
  };
}
