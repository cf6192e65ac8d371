// Issue #16 item 1, for real: three product service processes on one PostgreSQL database, each
// with its read cache. A write through one is seen by the others once the notification arrives;
// a killed LISTEN connection turns a replica's cache off (it reads through) until it is back;
// concurrent reservations through replicas that serve cached reads never oversell.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ProductReplica,
  startProductReplicas,
  stopProductReplicas,
} from "../../bench/product-replicas.js";
import { createLogger, createPool, migrate, Status } from "../../services/kit/index.js";
import { migrations } from "../../services/product/migrations.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

// Long enough that a replica is surely still without its listener when the test reads from it.
const listenerRetryMs = 4_000;
let database: TestDatabase;
let replicas: ProductReplica[];
let sql: pg.Client;
const price = { currencyCode: "EUR", minorUnits: 250n };

beforeAll(async () => {
  database = await createTestDatabase("read_cache");
  // Migrated once up front: three replicas racing to create the schema is not what is tested.
  const pool = createPool({ url: database.url, max: 1, applicationName: "test-migrate" });
  await migrate(pool, migrations, createLogger("test", "silent"));
  await pool.end();
  replicas = await startProductReplicas(3, database.url, {
    CACHE_LISTENER_RETRY_MS: String(listenerRetryMs),
  });
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
}, 180_000); // three service processes starting at once on a shared 2-core machine

afterAll(async () => {
  await sql?.end();
  if (replicas) await stopProductReplicas(replicas);
  await database?.drop();
});

const stockOn = async (replica: ProductReplica, id: string) =>
  (await replica.client.getProduct({ id })).stock;

/**
 * Changes the stock without notifying anybody (triggers off for this session): a replica that
 * still answers the old value serves it from its cache, one that answers the new value read it
 * from PostgreSQL. The way to see from outside where an answer came from.
 */
async function silentlySetStock(id: string, stock: number): Promise<void> {
  await sql.query("SET session_replication_role = replica");
  try {
    await sql.query("UPDATE products SET stock = $2 WHERE id = $1", [id, stock]);
  } finally {
    await sql.query("SET session_replication_role = DEFAULT");
  }
}

async function newProduct(stock: number): Promise<string> {
  const [first] = replicas;
  if (!first) throw new Error("no replicas");
  return (await first.client.createProduct({ sku: randomUUID(), name: "Cached", price, stock })).id;
}

/** Polls until every replica answers `stock` (a failure shows what each answered last). */
async function everyReplicaSees(id: string, stock: number): Promise<void> {
  await expect
    .poll(() => Promise.all(replicas.map((replica) => stockOn(replica, id))), {
      timeout: 5_000,
      interval: 5,
    })
    .toEqual(replicas.map(() => stock));
}

describe("the product read cache across replicas", () => {
  it("serves repeated reads from memory", async () => {
    const id = await newProduct(10);
    // The product's creation notifies too, and may arrive after a first read cached it: read
    // until every replica answers the old stock of a silent change, i.e. from memory.
    for (let tries = 0; ; tries++) {
      for (const replica of replicas) expect(await stockOn(replica, id)).toBe(10);
      await silentlySetStock(id, 999);
      const seen = await Promise.all(replicas.map((replica) => stockOn(replica, id)));
      if (seen.every((stock) => stock === 10)) break;
      await silentlySetStock(id, 10);
      if (tries === 20) throw new Error(`replicas answer ${seen.join(", ")}: not from memory`);
    }
    // And only from memory: a batch and a listing answer from the same rows.
    const [replica] = replicas;
    if (!replica) throw new Error("no replicas");
    const batch = await replica.client.batchGetProducts({ ids: [id] });
    expect(batch.products.map((product) => product.stock)).toEqual([10]);
  });

  it("shows a write made through one replica on every other once it is notified", async () => {
    const id = await newProduct(10);
    for (const replica of replicas) expect(await stockOn(replica, id)).toBe(10);
    const [writer, reader] = replicas;
    if (!writer || !reader) throw new Error("no replicas");
    const listed = async () =>
      (await reader.client.listProducts({ pageSize: 1000 })).products.find((p) => p.id === id);
    expect((await listed())?.stock).toBe(10);
    await writer.client.reserveStock({
      orderId: randomUUID(),
      items: [{ productId: id, quantity: 3 }],
    });
    await everyReplicaSees(id, 7);
    expect((await listed())?.stock).toBe(7);
    // A write made by no service at all (psql, a migration, another store) notifies too.
    await sql.query("UPDATE products SET stock = 42 WHERE id = $1", [id]);
    await everyReplicaSees(id, 42);
    expect((await listed())?.stock).toBe(42);
  });

  it("reads through while its listener connection is gone, and caches again once it is back", async () => {
    const id = await newProduct(10);
    const [, victim] = replicas;
    if (!victim) throw new Error("no replicas");
    expect(await stockOn(victim, id)).toBe(10);
    const pid = victim.listenerPid();
    const from = victim.lines.length;
    const { rows } = await sql.query("SELECT pg_terminate_backend($1) AS done", [pid]);
    expect(rows[0]?.done).toBe(true);
    await victim.waitForLine(/read cache off: invalidation listener lost/, from);
    // No notification reaches it now: only reading through gives the new value.
    await silentlySetStock(id, 11);
    expect(await stockOn(victim, id)).toBe(11);
    await silentlySetStock(id, 12);
    expect(await stockOn(victim, id)).toBe(12);
    expect(victim.lines.slice(from).some((line) => line.includes("read cache on"))).toBe(false);
    // Back: a new LISTEN session, and the cache fills again from empty.
    await victim.waitForLine(/read cache on/, from);
    expect(victim.listenerPid()).not.toBe(pid);
    expect(await stockOn(victim, id)).toBe(12);
    await silentlySetStock(id, 13);
    expect(await stockOn(victim, id)).toBe(12);
    await sql.query("UPDATE products SET stock = 14 WHERE id = $1", [id]);
    await everyReplicaSees(id, 14);
  });

  it("never oversells through replicas serving cached stock", async () => {
    const stock = 25;
    const id = await newProduct(stock);
    const outcomes = await Promise.all(
      Array.from({ length: 90 }, async (_, index) => {
        const replica = replicas[index % replicas.length];
        if (!replica) throw new Error("no replicas");
        // Each buyer looks first, as a shop page does, then reserves if it saw stock.
        const seen = await stockOn(replica, id);
        if (seen < 1) return "sold out";
        try {
          await replica.client.reserveStock({
            orderId: randomUUID(),
            items: [{ productId: id, quantity: 1 }],
          });
          return "reserved";
        } catch (error) {
          expect(error).toMatchObject({ code: Status.FAILED_PRECONDITION });
          return "refused";
        }
      }),
    );
    expect(outcomes.filter((outcome) => outcome === "reserved")).toHaveLength(stock);
    const { rows } = await sql.query("SELECT stock FROM products WHERE id = $1", [id]);
    expect(rows[0]?.stock).toBe(0);
    await everyReplicaSees(id, 0);
  });
});
