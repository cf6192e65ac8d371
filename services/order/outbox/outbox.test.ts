import { randomUUID } from "node:crypto";
import { context, propagation, trace } from "@opentelemetry/api";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedPool } from "../../../test/support/database.js";
import { readStream } from "../../../test/support/event-stream-reader.js";
import { startTestNats, type TestNats } from "../../../test/support/nats-server.js";
import { createLogger, type Pool } from "../../kit/index.js";
import { BrokerLink, CrashPoints, declareStream, publishEvent } from "../../kit/messaging/index.js";
import { orderEventStream } from "../../order-event-stream.js";
import { migrations } from "../migrations.js";
import { OrderStore } from "../order-store.js";
import {
  type Backlog,
  encodeEvent,
  type OutboxRow,
  OutboxStore,
  outboxMetrics,
  startRelay,
  subjectOf,
} from "./index.js";

// The outbox against a real orders database and a real nats-server (Debian's package).
const logger = createLogger("test", "silent");
let nats: TestNats;
let db: { pool: Pool; close(): Promise<void> };
let orders: OrderStore;
let outbox: OutboxStore;

beforeAll(async () => {
  [nats, db] = await Promise.all([startTestNats(), migratedPool("outbox", migrations)]);
  orders = new OrderStore(db.pool);
  outbox = new OutboxStore(db.pool);
});
afterAll(async () => {
  await db?.close();
  await nats?.close();
});

async function placed(): Promise<string> {
  const id = randomUUID();
  await orders.insertPending({
    id,
    requestId: randomUUID(),
    requestFingerprint: "f",
    userId: randomUUID(),
    currency: "EUR",
    totalMinorUnits: 2500n,
    items: [{ productId: randomUUID(), quantity: 2, unitPriceMinorUnits: 1250n }],
  });
  return id;
}

async function unsentOf(id: string): Promise<{ eventType: string; traceContext: object }[]> {
  const { rows } = await db.pool.query(
    `SELECT event_type AS "eventType", trace_context AS "traceContext" FROM order_outbox
     WHERE order_id = $1 AND sent_at IS NULL ORDER BY seq`,
    [id],
  );
  return rows;
}

/** Runs the relay until `done` holds for the outbox (read every 20 ms while it runs). */
async function relayUntil(link: BrokerLink, done: (backlog: Backlog) => boolean): Promise<Backlog> {
  const relay = startRelay(
    {
      store: outbox,
      link,
      logger,
      metrics: outboxMetrics({ backlog: () => outbox.backlog(), brokerUp: () => link.connected }),
      crash: new CrashPoints(undefined, logger),
    },
    { intervalMs: 20, batchSize: 3, retentionMs: 60_000 },
  );
  try {
    let last: Backlog | undefined;
    const read = async () => {
      last = await outbox.backlog();
      return last;
    };
    // On a timeout the failure shows the last backlog read.
    await expect.poll(read, { timeout: 15_000, interval: 20 }).toSatisfy(done);
    return last as Backlog;
  } finally {
    await relay.stop();
  }
}

function brokerLink(): Promise<BrokerLink> {
  const link = new BrokerLink(
    { natsServers: [nats.url], natsUser: "", natsPassword: "", natsStreamReplicas: 1 },
    "test",
    logger,
    (manager) => declareStream(manager, orderEventStream(1)),
  );
  return new Promise((resolve) => {
    if (link.connected) resolve(link);
    link.onChange((up) => up && resolve(link));
  });
}

describe("writing events", () => {
  it("records OrderConfirmed and OrderCancelled with the state change, with the call's trace", async () => {
    const provider = new NodeTracerProvider();
    provider.register();
    const span = provider.getTracer("test").startSpan("CreateOrder");
    const id = await placed();
    expect(await unsentOf(id)).toEqual([]);
    await context.with(trace.setSpan(context.active(), span), () =>
      orders.transition(id, "pending", "confirmed"),
    );
    await orders.transition(id, "confirmed", "cancelling");
    await orders.transition(id, "cancelling", "cancelled");
    const events = await unsentOf(id);
    expect(events.map((e) => e.eventType)).toEqual(["order.confirmed", "order.cancelled"]);
    expect(events[0]?.traceContext).toEqual({
      traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
    });
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it("writes nothing for a change that did not happen, or one no event reports", async () => {
    const id = await placed();
    expect(await orders.transition(id, "confirmed", "cancelled")).toBeUndefined();
    await orders.transition(id, "pending", "abandoned");
    expect(await unsentOf(id)).toEqual([]);
  });

  it("fails the state change when its event cannot be written (one statement)", async () => {
    const id = await placed();
    await db.pool.query("ALTER TABLE order_outbox RENAME TO order_outbox_away");
    try {
      await expect(orders.transition(id, "pending", "confirmed")).rejects.toThrow(/order_outbox/);
    } finally {
      await db.pool.query("ALTER TABLE order_outbox_away RENAME TO order_outbox");
    }
    expect((await orders.get(id))?.status).toBe("pending");
  });
});

describe("the relay", () => {
  it("publishes every event once, each order's in order, with the event id as message id", async () => {
    const link = await brokerLink();
    const ids = await Promise.all([placed(), placed(), placed(), placed()]);
    for (const id of ids) await orders.transition(id, "pending", "confirmed");
    for (const id of ids.slice(0, 2)) {
      await orders.transition(id, "confirmed", "cancelling");
      await orders.transition(id, "cancelling", "cancelled");
    }
    expect((await relayUntil(link, (b) => b.unsent === 0)).oldestAgeSeconds).toBe(0);
    const stored = await readStream(nats.url, "ORDER_EVENTS");
    for (const id of ids) {
      const mine = stored.filter((event) => event.orderId === id);
      const expected = ids.indexOf(id) < 2 ? ["confirmed", "cancelled"] : ["confirmed"];
      expect(mine.map((e) => e.subject)).toEqual(expected.map((t) => `order-events.order.${t}`));
      for (const event of mine) expect(event.messageId).toBe(event.eventId);
    }
    const eventIds = stored.map((e) => e.eventId);
    expect(new Set(eventIds).size).toBe(eventIds.length);
    await link.close();
  });

  it("keeps events while the broker is down, and sends them all when it is back", async () => {
    const link = await brokerLink();
    await nats.kill();
    const ids = [await placed(), await placed(), await placed()];
    for (const id of ids) await orders.transition(id, "pending", "confirmed");
    const down = await relayUntil(link, (b) => b.unsent >= 3);
    expect(down.unsent).toBe(3);
    expect(link.connected).toBe(false);
    await nats.restart();
    await relayUntil(link, (b) => b.unsent === 0);
    const stored = await readStream(nats.url, "ORDER_EVENTS");
    for (const id of ids) expect(stored.filter((e) => e.orderId === id)).toHaveLength(1);
    await link.close();
  });

  it("a republish of an event already stored (crash before marking it sent) is deduplicated", async () => {
    const link = await brokerLink();
    const id = await placed();
    await orders.transition(id, "pending", "confirmed");
    const { rows } = await db.pool.query<OutboxRow>(
      `SELECT seq, event_id AS "eventId", order_id AS "orderId", event_type AS "eventType",
         event_time AS "eventTime", snapshot, trace_context AS "traceContext"
       FROM order_outbox WHERE order_id = $1`,
      [id],
    );
    const row = rows[0];
    // Published by a relay that died before its mark: the row is still unsent.
    const js = link.jetstream;
    if (!js || !row) throw new Error("no broker or no row");
    const first = await publishEvent(js, {
      subject: subjectOf(row),
      messageId: row.eventId,
      data: encodeEvent(row),
      trace: {},
    });
    expect(first.duplicate).toBe(false);
    await relayUntil(link, (b) => b.unsent === 0);
    const stored = await readStream(nats.url, "ORDER_EVENTS");
    expect(stored.filter((e) => e.orderId === id)).toHaveLength(1);
    await link.close();
  });

  it("prunes sent events after the retention", async () => {
    const id = await placed();
    await orders.transition(id, "pending", "confirmed");
    await db.pool.query("UPDATE order_outbox SET sent_at = now() - interval '2 hours'");
    expect(await outbox.prune(3_600_000, 1_000)).toBeGreaterThan(0);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM order_outbox");
    expect(rows[0].n).toBe(0);
  });
});
