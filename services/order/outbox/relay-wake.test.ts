import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database.js";
import { startTestNats, type TestNats } from "../../../test/support/nats-server.js";
import { createLogger, createPool, migrate, type Pool } from "../../kit/index.js";
import { migrations } from "../migrations.js";
import { OrderStore } from "../order-store.js";
import { OutboxStore, startOutbox } from "./index.js";

// The relay at rest, as the order service starts it: it polls only slowly while nothing happens,
// and the commit of an event wakes it (LISTEN/NOTIFY). A real database and nats-server.
const logger = createLogger("test", "silent");
const idlePollMs = 120_000; // far beyond every bound below: only a wake can publish in time
let nats: TestNats;
let database: TestDatabase;
let pool: Pool;
let stopOutbox: () => Promise<void>;

beforeAll(async () => {
  [nats, database] = await Promise.all([startTestNats(), createTestDatabase("outbox_wake")]);
  pool = createPool({ url: database.url, max: 4, applicationName: "test-outbox-wake" });
  await migrate(pool, migrations, logger);
  stopOutbox = startOutbox(
    {
      natsServers: [nats.url],
      natsUser: "",
      natsPassword: "",
      natsStreamReplicas: 1,
      outboxRelayIntervalMs: 20,
      outboxRelayIdlePollMs: idlePollMs,
      outboxBatchSize: 10,
      outboxRetentionMs: 3_600_000,
      crashAt: "",
      databaseUrl: database.url,
    },
    pool,
    logger,
  );
});
afterAll(async () => {
  await stopOutbox?.();
  await pool?.end();
  await database?.drop();
  await nats?.close();
});

async function confirmedOrder(): Promise<string> {
  const orders = new OrderStore(pool);
  const id = randomUUID();
  await orders.insertPending({
    id,
    requestId: randomUUID(),
    requestFingerprint: "f",
    userId: randomUUID(),
    currency: "EUR",
    totalMinorUnits: 700n,
    items: [{ productId: randomUUID(), quantity: 1, unitPriceMinorUnits: 700n }],
  });
  await orders.transition(id, "pending", "confirmed"); // writes its order.confirmed event
  return id;
}

const unsent = async () => (await new OutboxStore(pool).backlog()).unsent;

it("polls slowly while idle, and each commit of an event wakes it at once", async () => {
  // The relay's listener is in place, and the broker connected (both wake the relay once).
  await expect
    .poll(
      async () =>
        (
          await pool.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE application_name = 'order-outbox-relay' AND query LIKE 'LISTEN%'`,
          )
        ).rows[0].n,
      { timeout: 15_000, interval: 50 },
    )
    .toBe(1);
  await confirmedOrder();
  await expect.poll(unsent, { timeout: 5_000, interval: 20 }).toBe(0);
  // An event written without its notification (the trigger off) waits for the slow poll: the
  // idle relay runs no round. First the round after the publish (20 ms later) must have found
  // nothing; a second is ample on a loaded machine.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await pool.query("ALTER TABLE order_outbox DISABLE TRIGGER order_outbox_notify");
  await confirmedOrder();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(await unsent()).toBe(1);
  // The next commit's notification wakes it: both go.
  await pool.query("ALTER TABLE order_outbox ENABLE TRIGGER order_outbox_notify");
  await confirmedOrder();
  await expect.poll(unsent, { timeout: 5_000, interval: 20 }).toBe(0);
});
