import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedPool } from "../../test/support/database.js";
import { startListening, untilNotified } from "../../test/support/read-cache.js";
import type { ReadCache } from "../kit/cache/index.js";
import type { Pool } from "../kit/index.js";
import { migrations } from "./migrations.js";
import { ProductStore } from "./product-store.js";
import { StockAdjustments } from "./stock-adjustments.js";

// The read cache stays coherent for the new write paths: UpdateProduct made by another replica
// and AdjustStock (which drops no cache entry itself) both reach a replica's cached reads
// through the table's NOTIFY trigger alone.
let pool: Pool;
let close: () => Promise<void>;
let reads: ReadCache;
let cached: ProductStore;

beforeAll(async () => {
  ({ pool, close } = await migratedPool("product_cache", migrations));
  reads = await startListening(pool, "product");
  cached = new ProductStore(pool, reads.cache);
});
afterAll(async () => {
  await reads?.close();
  await close?.();
});

const readCached = async (id: string) => (await cached.getMany([id]))[0];

/** Changes the stock without notifying anybody (triggers off for this session). */
async function silentlySetStock(id: string, stock: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SET session_replication_role = replica");
    await client.query("UPDATE products SET stock = $2 WHERE id = $1", [id, stock]);
    await client.query("SET session_replication_role = DEFAULT");
  } finally {
    client.release();
  }
}

describe("the product read cache under updates and stock adjustments", () => {
  it("serves the new name, price, stock and etag once the write commits", async () => {
    const notified = reads.cache.counts.invalidations;
    const inserted = await new ProductStore(pool).insert({
      sku: randomUUID(),
      name: "Kettle",
      priceCurrency: "EUR",
      priceMinorUnits: 2_000n,
      stock: 4,
    });
    if (!inserted) throw new Error("not inserted");
    const { id } = inserted;
    // The insert's own notifications (the row, "products:+") first, or one could drop what we
    // read next.
    await expect
      .poll(() => reads.cache.counts.invalidations, untilNotified)
      .toBeGreaterThanOrEqual(notified + 2);
    expect((await readCached(id))?.stock).toBe(4);
    await silentlySetStock(id, 99);
    expect((await readCached(id))?.stock).toBe(4); // served from memory

    const updated = await new ProductStore(pool).update(id, inserted.etag, {
      price: { currencyCode: "EUR", minorUnits: 2_500n },
    });
    if (typeof updated === "string") throw new Error(updated);
    await expect.poll(async () => (await readCached(id))?.etag, untilNotified).toBe(updated.etag);
    expect(await readCached(id)).toMatchObject({ priceMinorUnits: 2_500n, stock: 99 });

    const adjusted = await new StockAdjustments(pool).adjust({
      productId: id,
      delta: 1,
      reason: "found one",
      requestId: randomUUID(),
    });
    expect(adjusted.stock).toBe(100);
    await expect.poll(async () => (await readCached(id))?.stock, untilNotified).toBe(100);
    expect((await readCached(id))?.etag).not.toBe(updated.etag);
  });
});
