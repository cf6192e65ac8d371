import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migratedPool } from "../../test/support/database.js";
import { createLogger, type Pool, Status } from "../kit/index.js";
import { migrations } from "./migrations.js";
import { ProductStore } from "./product-store.js";
import { startReservationRetention } from "./reservation-retention.js";
import { StockStore } from "./stock-store.js";

let pool: Pool;
let close: () => Promise<void>;
let stock: StockStore;
let productId: string;
const day = 24 * 3_600_000;

beforeAll(async () => {
  ({ pool, close } = await migratedPool("retention", migrations));
  stock = new StockStore(pool);
  const row = await new ProductStore(pool).insert({
    sku: randomUUID(),
    name: "Thing",
    priceCurrency: "EUR",
    priceMinorUnits: 100n,
    stock: 100,
  });
  productId = String(row?.id);
});
afterAll(() => close());

/** Pretends the order's reservation was released `days` ago. */
async function releasedDaysAgo(orderId: string, days: number): Promise<void> {
  await pool.query(
    "UPDATE reservations SET release_time = now() - make_interval(days => $2) WHERE order_id = $1",
    [orderId, days],
  );
}

async function reservationIds(): Promise<Set<string>> {
  const { rows } = await pool.query<{ order_id: string }>("SELECT order_id FROM reservations");
  return new Set(rows.map((row) => row.order_id));
}

it("deletes released reservations and tombstones past retention, periodically, and nothing else", async () => {
  const line = [{ productId, quantity: 1 }];
  const [oldReleased, oldTombstone, youngReleased, oldReserved] = [1, 2, 3, 4].map(() =>
    randomUUID(),
  );
  for (const id of [oldReleased, youngReleased, oldReserved]) await stock.reserve(String(id), line);
  await stock.release(String(oldReleased));
  await stock.release(String(oldTombstone)); // released before anything was reserved
  await stock.release(String(youngReleased));
  await releasedDaysAgo(String(oldReleased), 8);
  await releasedDaysAgo(String(oldTombstone), 8);
  await releasedDaysAgo(String(youngReleased), 6);
  await pool.query(
    "UPDATE reservations SET create_time = now() - interval '30 days' WHERE order_id = $1",
    [oldReserved],
  );

  const retention = startReservationRetention(stock, createLogger("test", "silent"), {
    retentionMs: 7 * day,
    intervalMs: 50,
  });
  try {
    await expect.poll(async () => (await reservationIds()).has(String(oldReleased))).toBe(false);
  } finally {
    await retention.stop();
  }
  const left = await reservationIds();
  expect(
    [oldReleased, oldTombstone, youngReleased, oldReserved].map((id) => left.has(String(id))),
  ).toEqual([false, false, true, true]);
  const { rows } = await pool.query(
    "SELECT count(*)::int AS n FROM reservation_items WHERE order_id = $1",
    [oldReleased],
  );
  expect(rows[0].n).toBe(0);
  // The reservation kept past any age still gives its stock back on a cancel.
  expect(await stock.release(String(oldReserved))).toEqual(line);
  // A young tombstone still refuses its late reservation.
  await expect(stock.reserve(String(youngReleased), line)).rejects.toMatchObject({
    code: Status.FAILED_PRECONDITION,
  });
});
