// Issue #19 item 3, over the wire: UpdateProduct and UpdateUser with an update_mask (AIP-134)
// and an etag (AIP-154), update_time on every resource. Real processes, real PostgreSQL; the
// error details are read with the generated google.rpc types (test/support/error-details.ts).
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { wireDetails } from "../support/error-details.js";
import { rpcFailure } from "../support/rpc-failure.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";

let shop: TestMesh;
beforeAll(async () => {
  shop = await startTestMesh("updates");
}, 120_000);
afterAll(() => shop.close());

const eur = (minorUnits: bigint) => ({ currencyCode: "EUR", minorUnits });
const ms = (time: Timestamp | undefined) => timestampMs(create(TimestampSchema, time));

const newProduct = (stock = 10) =>
  shop.clients.products.createProduct({
    sku: randomUUID(),
    name: "Mug",
    price: eur(500n),
    stock,
  });

/** The field violations of an INVALID_ARGUMENT, as `field: rule` texts. */
async function violations(call: () => Promise<unknown>): Promise<string[]> {
  const { code, error } = await rpcFailure(call);
  expect(code).toBe("InvalidArgument");
  return (wireDetails(error).fieldViolations ?? []).map((v) => `${v.field}: ${v.description}`);
}

describe("UpdateProduct", () => {
  it("changes only the masked fields, and moves etag and update_time on", async () => {
    const before = await newProduct();
    expect(before.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(ms(before.updateTime)).toBe(ms(before.createTime));
    const after = await shop.clients.products.updateProduct({
      // The price is set but not in the mask: it stays.
      product: { id: before.id, name: "Big mug", price: eur(900n), etag: before.etag },
      updateMask: { paths: ["name"] },
    });
    expect(after).toMatchObject({ name: "Big mug", price: eur(500n), sku: before.sku, stock: 10 });
    expect(after.etag).not.toBe(before.etag);
    expect(ms(after.updateTime)).toBeGreaterThan(ms(before.updateTime));
    expect(ms(after.createTime)).toBe(ms(before.createTime));
    // A read right after the update sees it (the replica dropped its cached copy).
    expect(await shop.clients.products.getProduct({ id: before.id })).toEqual(after);
  });

  it("without a mask changes the fields set; `*` replaces all of them", async () => {
    const { id } = await newProduct();
    const priced = await shop.clients.products.updateProduct({ product: { id, price: eur(1n) } });
    expect(priced).toMatchObject({ name: "Mug", price: eur(1n) });
    const replaced = await shop.clients.products.updateProduct({
      product: { id, name: "Cup", price: { currencyCode: "JPY", minorUnits: 300n } },
      updateMask: { paths: ["*"] },
    });
    expect(replaced).toMatchObject({
      name: "Cup",
      price: { currencyCode: "JPY", minorUnits: 300n },
    });
    // `*` means every updatable field: one left unset is a violation, not a silent skip.
    expect(
      await violations(() =>
        shop.clients.products.updateProduct({
          product: { id, name: "Only a name" },
          updateMask: { paths: ["*"] },
        }),
      ),
    ).toEqual(["product.price: is required"]);
  });

  it("refuses unknown and immutable paths, naming each", async () => {
    const { id } = await newProduct();
    expect(
      await violations(() =>
        shop.clients.products.updateProduct({
          product: { id, name: "X" },
          updateMask: { paths: ["name", "sku", "stock", "colour", "price.minor_units"] },
        }),
      ),
    ).toEqual([
      "update_mask.paths[1]: sku is immutable",
      "update_mask.paths[2]: stock changes only through AdjustStock",
      "update_mask.paths[3]: colour is not an updatable field of shopmesh.product.v1.Product (updatable: name, price)",
      "update_mask.paths[4]: price.minor_units: price is replaced as a whole, name price",
    ]);
    expect(
      await violations(() => shop.clients.products.updateProduct({ product: { id } })),
    ).toEqual(["update_mask: is empty and no updatable field is set (name, price)"]);
    expect((await shop.clients.products.getProduct({ id })).name).toBe("Mug");
  });

  it("refuses a stale etag with ABORTED ETAG_MISMATCH; no etag updates unconditionally", async () => {
    const first = await newProduct();
    const renamed = await shop.clients.products.updateProduct({
      product: { id: first.id, name: "Renamed", etag: first.etag },
      updateMask: { paths: ["name"] },
    });
    const { code, error } = await rpcFailure(() =>
      shop.clients.products.updateProduct({
        product: { id: first.id, name: "Lost update", etag: first.etag },
        updateMask: { paths: ["name"] },
      }),
    );
    expect(code).toBe("Aborted");
    expect(wireDetails(error)).toMatchObject({
      domain: "shopmesh.dev",
      reason: "ETAG_MISMATCH",
      metadata: { resourceType: "shopmesh.product.v1.Product", resourceName: first.id },
    });
    expect((await shop.clients.products.getProduct({ id: first.id })).name).toBe("Renamed");
    const forced = await shop.clients.products.updateProduct({
      product: { id: first.id, name: "Forced" },
      updateMask: { paths: ["name"] },
    });
    expect(forced.etag).not.toBe(renamed.etag);
    const missing = await rpcFailure(() =>
      shop.clients.products.updateProduct({ product: { id: randomUUID(), name: "X" } }),
    );
    expect(wireDetails(missing.error).reason).toBe("PRODUCT_NOT_FOUND");
  });

  it("lets exactly one of two concurrent updates with the same etag win", async () => {
    const { id, etag } = await newProduct();
    const locker = new pg.Client({ connectionString: shop.databases.product.url });
    const watcher = new pg.Client({ connectionString: shop.databases.product.url });
    await Promise.all([locker.connect(), watcher.connect()]);
    try {
      // Hold the row so both updates are inside PostgreSQL, waiting on it, before either runs.
      await locker.query("BEGIN");
      await locker.query("SELECT FROM products WHERE id = $1 FOR UPDATE", [id]);
      const rename = (name: string) =>
        shop.clients.products
          .updateProduct({ product: { id, name, etag }, updateMask: { paths: ["name"] } })
          .then(
            (product) => ({ name, code: "OK", product }),
            (error: { code: Code }) => ({ name, code: Code[error.code], product: undefined }),
          );
      const racing = [rename("A"), rename("B")];
      await expect
        .poll(
          async () =>
            (
              await watcher.query<{ waiting: number }>(
                `SELECT count(*)::int AS waiting FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'
                   AND query LIKE 'UPDATE products SET name%'`,
              )
            ).rows[0]?.waiting,
          { timeout: 10_000, interval: 20 },
        )
        .toBe(2);
      await locker.query("COMMIT");
      const outcomes = await Promise.all(racing);
      expect(outcomes.map((outcome) => outcome.code).sort()).toEqual(["Aborted", "OK"]);
      const winner = outcomes.find((outcome) => outcome.product);
      expect((await shop.clients.products.getProduct({ id })).name).toBe(winner?.name);
    } finally {
      await locker.end();
      await watcher.end();
    }
  });

  it("gives a product a new etag when its stock moves (an order reserves)", async () => {
    const product = await newProduct();
    const userId = (
      await shop.clients.users.createUser({ email: `${randomUUID()}@x.io`, displayName: "C" })
    ).id;
    await shop.clients.orders.createOrder({
      requestId: randomUUID(),
      userId,
      items: [{ productId: product.id, quantity: 1 }],
    });
    const { code } = await rpcFailure(() =>
      shop.clients.products.updateProduct({
        product: { id: product.id, name: "Stale", etag: product.etag },
        updateMask: { paths: ["name"] },
      }),
    );
    expect(code).toBe("Aborted");
  });
});

describe("UpdateUser", () => {
  it("changes the display name under its etag; email and unknown paths are refused", async () => {
    const user = await shop.clients.users.createUser({
      email: `${randomUUID()}@x.io`,
      displayName: "Before",
    });
    expect(ms(user.updateTime)).toBe(ms(user.createTime));
    const updated = await shop.clients.users.updateUser({
      user: { id: user.id, displayName: " After ", etag: user.etag },
      updateMask: { paths: ["display_name"] },
    });
    expect(updated).toMatchObject({ displayName: "After", email: user.email });
    expect(ms(updated.updateTime)).toBeGreaterThan(ms(user.updateTime));
    expect((await shop.clients.users.getUser({ id: user.id })).etag).toBe(updated.etag);
    const stale = await rpcFailure(() =>
      shop.clients.users.updateUser({
        user: { id: user.id, displayName: "Lost", etag: user.etag },
        updateMask: { paths: ["display_name"] },
      }),
    );
    expect(stale.code).toBe("Aborted");
    expect(wireDetails(stale.error)).toMatchObject({
      reason: "ETAG_MISMATCH",
      metadata: { resourceType: "shopmesh.user.v1.User", resourceName: user.id },
    });
    expect(
      await violations(() =>
        shop.clients.users.updateUser({
          user: { id: user.id, email: "new@x.io" },
          updateMask: { paths: ["email", "nickname"] },
        }),
      ),
    ).toEqual([
      "update_mask.paths[0]: email is immutable",
      "update_mask.paths[1]: nickname is not an updatable field of shopmesh.user.v1.User (updatable: display_name)",
    ]);
    expect(
      await violations(() =>
        shop.clients.users.updateUser({
          user: { id: "nope", displayName: " " },
          updateMask: { paths: ["display_name"] },
        }),
      ),
    ).toEqual(["user.id: must be a UUID", "user.display_name: is required and must not be blank"]);
  });
});

describe("update_time on orders", () => {
  it("is the creation time at first and moves on when the order changes state", async () => {
    const product = await newProduct();
    const userId = (
      await shop.clients.users.createUser({ email: `${randomUUID()}@x.io`, displayName: "C" })
    ).id;
    const placed = await shop.clients.orders.createOrder({
      requestId: randomUUID(),
      userId,
      items: [{ productId: product.id, quantity: 1 }],
    });
    expect(placed.status).toBe(OrderStatus.CONFIRMED);
    expect(ms(placed.updateTime)).toBeGreaterThanOrEqual(ms(placed.createTime));
    const cancelled = await shop.clients.orders.cancelOrder({ id: placed.id });
    expect(ms(cancelled.updateTime)).toBeGreaterThan(ms(placed.updateTime));
    expect((await shop.clients.orders.getOrder({ id: placed.id })).updateTime).toEqual(
      cancelled.updateTime,
    );
  });
});
