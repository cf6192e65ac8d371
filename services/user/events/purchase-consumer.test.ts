import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migratedPool } from "../../../test/support/database.js";
import { readStream } from "../../../test/support/event-stream-reader.js";
import { startTestNats, type TestNats } from "../../../test/support/nats-server.js";
import { createLogger, type Pool } from "../../kit/index.js";
import { BrokerLink, declareStream, publishEvent } from "../../kit/messaging/index.js";
import { encodeEvent, type OutboxRow } from "../../order/outbox/index.js";
import { orderEventStream } from "../../order-event-stream.js";
import { migrations } from "../migrations.js";
import { PurchaseStore, purchaseDeadLetterSubject, startPurchaseConsumer } from "./index.js";

// The user service's consumer against a real nats-server and a real users database; two
// consumers on one durable name stand for two replicas.
const logger = createLogger("test", "silent");
let nats: TestNats;
let db: { pool: Pool; close(): Promise<void> };
let store: PurchaseStore;
let publisher: BrokerLink;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  [nats, db] = await Promise.all([startTestNats(), migratedPool("purchases", migrations)]);
  store = new PurchaseStore(db.pool);
  const config = {
    natsServers: [nats.url],
    natsUser: "",
    natsPassword: "",
    natsStreamReplicas: 1,
    eventMaxDeliveries: 3,
    eventRetryBackoffMs: 20,
    eventAckWaitMs: 30_000,
    crashAt: "",
  };
  stops.push(startPurchaseConsumer(config, store, logger));
  stops.push(startPurchaseConsumer(config, store, logger));
  publisher = await new Promise<BrokerLink>((resolve) => {
    const link = new BrokerLink(config, "test", logger, (m) =>
      declareStream(m, orderEventStream(1)),
    );
    link.onChange((up) => up && resolve(link));
  });
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await publisher?.close();
  await db?.close();
  await nats?.close();
});

function event(
  type: OutboxRow["eventType"],
  order: { id: string; userId: string; total: bigint; currency?: string },
): OutboxRow {
  return {
    seq: 0n,
    eventId: randomUUID(),
    orderId: order.id,
    eventType: type,
    eventTime: new Date(),
    traceContext: {},
    snapshot: {
      id: order.id,
      userId: order.userId,
      requestId: "r",
      currency: order.currency ?? "EUR",
      totalMinorUnits: String(order.total),
      createTime: new Date().toISOString(),
      items: [],
    },
  };
}

async function publish(row: OutboxRow, messageId = row.eventId): Promise<void> {
  const js = publisher.jetstream;
  if (!js) throw new Error("broker not connected");
  await publishEvent(js, {
    subject: `order-events.${row.eventType}`,
    messageId,
    data: encodeEvent(row),
    trace: {},
  });
}

/** Waits (up to 15 s) until `read` gives `expected`. */
function eventually<T>(read: () => Promise<T>, expected: T): Promise<void> {
  return expect.poll(read, { timeout: 15_000, interval: 50 }).toEqual(expected);
}

/** True when the consumer has acknowledged everything the stream holds. */
async function handledAll(): Promise<boolean> {
  const info = await publisher.jetstream?.consumers
    .get("ORDER_EVENTS", "user-service")
    .then((consumer) => consumer.info(false));
  return info?.num_pending === 0 && info.num_ack_pending === 0;
}

async function processedCount(): Promise<number> {
  const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM processed_events");
  return rows[0].n;
}

it("keeps each user's summary: confirmed orders, spent per currency, cancellations reversed", async () => {
  const userId = randomUUID();
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  await publish(event("order.confirmed", { id: a, userId, total: 2500n }));
  await publish(event("order.confirmed", { id: b, userId, total: 1000n }));
  await publish(event("order.confirmed", { id: c, userId, total: 700n, currency: "USD" }));
  await publish(event("order.cancelled", { id: b, userId, total: 1000n }));
  await eventually(() => store.summaryOf(userId), {
    confirmedOrders: 2,
    cancelledOrders: 1,
    spent: [
      { currency: "EUR", minorUnits: 2500n },
      { currency: "USD", minorUnits: 700n },
    ],
  });
});

it("applies the same event delivered twice once, and a cancellation that overtook its confirmation", async () => {
  const userId = randomUUID();
  const order = { id: randomUUID(), userId, total: 900n };
  const before = await processedCount();
  const confirmed = event("order.confirmed", order);
  const cancelled = event("order.cancelled", order);
  await publish(cancelled);
  await publish(confirmed);
  // The same event again under another broker message id: the broker cannot deduplicate it.
  await publish(confirmed, `${confirmed.eventId}-again`);
  await publish(cancelled, `${cancelled.eventId}-again`);
  const second = { id: randomUUID(), userId, total: 100n };
  const secondConfirmed = event("order.confirmed", second);
  await publish(secondConfirmed);
  await publish(secondConfirmed, `${secondConfirmed.eventId}-again`);
  // Every event handled (the three distinct ones recorded once each), then the summary.
  await eventually(processedCount, before + 3);
  await eventually(handledAll, true);
  expect(await store.summaryOf(userId)).toEqual({
    confirmedOrders: 1,
    cancelledOrders: 1,
    spent: [{ currency: "EUR", minorUnits: 100n }],
  });
});

it("moves a poison event to the dead-letter subject after N deliveries, with its error; others pass", async () => {
  const js = publisher.jetstream;
  if (!js) throw new Error("broker not connected");
  const poisonId = randomUUID();
  await js.publish("order-events.order.confirmed", new Uint8Array([0xff, 0xff, 0xff]), {
    msgID: poisonId,
  });
  const userId = randomUUID();
  await publish(event("order.confirmed", { id: randomUUID(), userId, total: 42n }));
  await eventually(async () => (await store.summaryOf(userId)).confirmedOrders, 1);
  await eventually(
    async () =>
      (await readStream(nats.url, "ORDER_EVENTS_DEAD_LETTER").catch(() => [])).map((m) => ({
        subject: m.subject,
        deliveries: m.headers["Shopmesh-Deliveries"],
        original: m.headers["Shopmesh-Original-Subject"],
        error: /not a valid event/.test(m.headers["Shopmesh-Error"] ?? ""),
      })),
    [
      {
        subject: purchaseDeadLetterSubject,
        deliveries: "3",
        original: "order-events.order.confirmed",
        error: true,
      },
    ],
  );
});
