import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migratedPool } from "../../test/support/database.js";
import { createLogger, migrate, type Pool } from "../kit/index.js";
import { migrations } from "./migrations.js";
import { OrderStore } from "./order-store.js";

// A database created by the first release (migration 1 only), with orders in it, upgraded.
let pool: Pool;
let close: () => Promise<void>;
const [first] = migrations;
const [userA, userB] = [randomUUID(), randomUUID()];
const orderId = randomUUID();

beforeAll(async () => {
  ({ pool, close } = await migratedPool("order_upgrade", first ? [first] : []));
  await pool.query(
    `INSERT INTO orders (id, request_id, request_fingerprint, user_id, status, currency,
       total_minor_units) VALUES ($1, 'order-1', 'f', $2, 'confirmed', 'EUR', 500)`,
    [orderId, userA],
  );
  await pool.query(
    `INSERT INTO order_items (order_id, position, product_id, quantity, unit_price_minor_units)
     VALUES ($1, 1, $2, 2, 250)`,
    [orderId, randomUUID()],
  );
  await migrate(pool, migrations, createLogger("test", "silent"));
});
afterAll(() => close());

it("keeps existing orders and scopes request_id per user after the upgrade", async () => {
  const store = new OrderStore(pool);
  const kept = await store.findByRequestId(userA, "order-1");
  expect(kept).toMatchObject({ id: orderId, status: "confirmed", totalMinorUnits: 500n });
  expect(kept?.items).toHaveLength(1);
  const order = {
    requestId: "order-1",
    requestFingerprint: "g",
    currency: "EUR",
    totalMinorUnits: 1n,
    items: [{ productId: randomUUID(), quantity: 1, unitPriceMinorUnits: 1n }],
  };
  expect(await store.insertPending({ ...order, id: randomUUID(), userId: userB })).toEqual({
    inserted: true,
  });
  // The insert that meets the request_id's order returns it, items and all.
  const met = await store.insertPending({ ...order, id: randomUUID(), userId: userA });
  expect(met).toMatchObject({ inserted: false, existing: { id: orderId, status: "confirmed" } });
  expect(met.inserted === false && met.existing).toEqual(kept);
});
