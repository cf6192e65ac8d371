import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedPool } from "../../test/support/database.js";
import { type Pool, RpcError, Status } from "../kit/index.js";
import { migrations } from "./migrations.js";
import { ProductStore } from "./product-store.js";
import { StockStore } from "./stock-store.js";

let pool: Pool;
let close: () => Promise<void>;
let products: ProductStore;
let stock: StockStore;

beforeAll(async () => {
  ({ pool, close } = await migratedPool("stock", migrations));
  products = new ProductStore(pool);
  stock = new StockStore(pool);
});
afterAll(() => close());

async function productWithStock(units: number): Promise<string> {
  const row = await products.insert({
    sku: `SKU-${randomUUID()}`,
    name: "Thing",
    priceCurrency: "EUR",
    priceMinorUnits: 100n,
    stock: units,
  });
  if (!row) throw new Error("sku clash");
  return row.id;
}

async function stockOf(id: string): Promise<number> {
  const [row] = await products.getMany([id]);
  return row?.stock ?? Number.NaN;
}

async function codeOf(promise: Promise<unknown>): Promise<Status | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof RpcError) return error.code;
    throw error;
  }
}

describe("StockStore.reserve", () => {
  it("takes stock for every line, once per order id", async () => {
    const a = await productWithStock(10);
    const b = await productWithStock(5);
    const orderId = randomUUID();
    const lines = [
      { productId: a, quantity: 3 },
      { productId: b, quantity: 5 },
    ];
    await stock.reserve(orderId, lines);
    await stock.reserve(orderId, lines);
    expect([await stockOf(a), await stockOf(b)]).toEqual([7, 0]);
  });

  it("takes nothing when one line is short, and names that product", async () => {
    const plenty = await productWithStock(10);
    const short = await productWithStock(1);
    const attempt = stock.reserve(randomUUID(), [
      { productId: plenty, quantity: 2 },
      { productId: short, quantity: 2 },
    ]);
    await expect(attempt).rejects.toMatchObject({
      code: Status.FAILED_PRECONDITION,
      message: expect.stringContaining(short),
    });
    expect([await stockOf(plenty), await stockOf(short)]).toEqual([10, 1]);
  });

  it("reports an unknown product as NOT_FOUND", async () => {
    const unknown = randomUUID();
    await expect(
      stock.reserve(randomUUID(), [{ productId: unknown, quantity: 1 }]),
    ).rejects.toMatchObject({ code: Status.NOT_FOUND, message: `product ${unknown} not found` });
  });

  it("refuses the same order id with different lines", async () => {
    const id = await productWithStock(10);
    const orderId = randomUUID();
    await stock.reserve(orderId, [{ productId: id, quantity: 1 }]);
    expect(await codeOf(stock.reserve(orderId, [{ productId: id, quantity: 2 }]))).toBe(
      Status.ALREADY_EXISTS,
    );
    expect(await stockOf(id)).toBe(9);
  });

  it("never oversells under concurrent reservations", async () => {
    const id = await productWithStock(5);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        codeOf(stock.reserve(randomUUID(), [{ productId: id, quantity: 1 }])),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === "ok")).toHaveLength(5);
    expect(outcomes.filter((outcome) => outcome === Status.FAILED_PRECONDITION)).toHaveLength(15);
    expect(await stockOf(id)).toBe(0);
  });

  it("answers a replay with its reservation after the rest of the stock is gone", async () => {
    const id = await productWithStock(3);
    const orderId = randomUUID();
    await stock.reserve(orderId, [{ productId: id, quantity: 2 }]);
    await stock.reserve(randomUUID(), [{ productId: id, quantity: 1 }]);
    await expect(stock.reserve(orderId, [{ productId: id, quantity: 2 }])).resolves.toEqual([
      { productId: id, quantity: 2 },
    ]);
    expect(await stockOf(id)).toBe(0);
  });

  it("serves concurrent replays of one order once", async () => {
    const id = await productWithStock(10);
    const orderId = randomUUID();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        codeOf(stock.reserve(orderId, [{ productId: id, quantity: 3 }])),
      ),
    );
    expect(outcomes).toEqual(Array(10).fill("ok"));
    expect(await stockOf(id)).toBe(7);
  });

  it("does not deadlock when orders list the same products in opposite orders", async () => {
    const a = await productWithStock(1000);
    const b = await productWithStock(1000);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, index) => {
        const lines = [
          { productId: a, quantity: 1 },
          { productId: b, quantity: 1 },
        ];
        return codeOf(stock.reserve(randomUUID(), index % 2 ? lines : lines.reverse()));
      }),
    );
    expect(outcomes).toEqual(Array(40).fill("ok"));
    expect([await stockOf(a), await stockOf(b)]).toEqual([960, 960]);
  });
});

describe("StockStore.release", () => {
  it("gives stock back exactly once, even when called concurrently", async () => {
    const id = await productWithStock(10);
    const orderId = randomUUID();
    await stock.reserve(orderId, [{ productId: id, quantity: 4 }]);
    const returned = await Promise.all([1, 2, 3].map(() => stock.release(orderId)));
    expect(returned.map((lines) => lines.length).sort()).toEqual([0, 0, 1]);
    expect(await stockOf(id)).toBe(10);
  });

  it("never deadlocks a reservation's replay racing its release", async () => {
    // Several products per order widen the window between the two statements' lock takings.
    const ids = await Promise.all([1, 2, 3, 4].map(() => productWithStock(1000)));
    const lines = ids.map((productId) => ({ productId, quantity: 1 }));
    const orderIds = Array.from({ length: 60 }, () => randomUUID());
    for (const orderId of orderIds) await stock.reserve(orderId, lines);
    const outcomes = await Promise.all(
      orderIds.flatMap((orderId) => [
        codeOf(stock.reserve(orderId, lines)),
        codeOf(stock.release(orderId)),
      ]),
    );
    // A replay that lost the race is refused as released; nothing else may happen, least of all
    // a deadlock (40P01), which would surface as a database error here.
    expect(outcomes.filter((o) => o !== "ok" && o !== Status.FAILED_PRECONDITION)).toEqual([]);
    expect(await Promise.all(ids.map(stockOf))).toEqual([1000, 1000, 1000, 1000]);
  });

  it("refuses a reservation that arrives after its order's release", async () => {
    const id = await productWithStock(10);
    const orderId = randomUUID();
    expect(await stock.release(orderId)).toEqual([]);
    expect(await codeOf(stock.reserve(orderId, [{ productId: id, quantity: 1 }]))).toBe(
      Status.FAILED_PRECONDITION,
    );
    expect(await stockOf(id)).toBe(10);
  });
});
