import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Workload } from "../../deploy/local/trust-domain.js";
import { ReservationService } from "../../services/gen/shopmesh/inventory/v1/reservation_service_pb.js";
import { ProductService } from "../../services/gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../../services/gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient, Status } from "../../services/kit/index.js";
import { meshLogsWritten } from "../support/logs.js";
import { untilNotified } from "../support/read-cache.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";

// The default policies with the real services: who may call what, as `make run` sets it up.
let shop: TestMesh;
beforeAll(async () => {
  shop = await startTestMesh("authz");
});
afterAll(() => shop.close());

const product = (as: "operator" | "order") =>
  createServiceClient(ProductService, {
    dependency: "product service",
    ...shop.dial("product", as),
    timeoutMs: 5_000,
  });

const reservations = (as: Workload) =>
  createServiceClient(ReservationService, {
    dependency: "product service",
    ...shop.dial("product", as),
    timeoutMs: 5_000,
  });

async function reservationRows(): Promise<number> {
  const client = new pg.Client({ connectionString: shop.databases.product.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM reservations");
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

/** A product with 10 in stock, created by the operator (who may). */
/** Reads a product's stock; the read cache serves it, so a write shows once its notice arrives. */
const stockOf = (id: string) => async () => (await shop.clients.products.getProduct({ id })).stock;

function mugWithStock(sku: string) {
  const price = { currencyCode: "EUR", minorUnits: 100n };
  return shop.clients.products.createProduct({ sku, name: "Mug", price, stock: 10 });
}

describe("authorization by the default policies", () => {
  it("refuses ReserveStock from the operator identity and leaves stock untouched", async () => {
    const mug = await mugWithStock("AUTHZ-1");
    const asOperator = product("operator");
    try {
      await expect(
        asOperator.reserveStock({
          orderId: randomUUID(),
          items: [{ productId: mug.id, quantity: 10 }],
        }),
      ).rejects.toMatchObject({
        code: Status.PERMISSION_DENIED,
        message: `permission denied: ${shop.trust.identities.operator} may not call /shopmesh.product.v1.ProductService/ReserveStock (no rule allows it)`,
      });
      await expect(asOperator.releaseStock({ orderId: randomUUID() })).rejects.toMatchObject({
        code: Status.PERMISSION_DENIED,
      });
    } finally {
      asOperator.close();
    }
    expect((await shop.clients.products.getProduct({ id: mug.id })).stock).toBe(10);
    expect(await reservationRows()).toBe(0);
    await meshLogsWritten(shop, ["product"]);
    expect(
      shop.output.some(
        (line) =>
          line.startsWith("product:") &&
          line.includes('"msg":"rpc denied: PERMISSION_DENIED"') &&
          line.includes(`"peer":"${shop.trust.identities.operator}"`) &&
          line.includes("/ReserveStock"),
      ),
    ).toBe(true);
  });

  it("lets the order identity reserve stock, and nobody but the operator create products", async () => {
    const mug = await mugWithStock("AUTHZ-2");
    const asOrder = product("order");
    try {
      await asOrder.reserveStock({
        orderId: randomUUID(),
        items: [{ productId: mug.id, quantity: 3 }],
      });
      await expect.poll(stockOf(mug.id), untilNotified).toBe(7);
      await expect(
        asOrder.createProduct({
          sku: "AUTHZ-3",
          name: "Cup",
          price: { currencyCode: "EUR", minorUnits: 100n },
          stock: 1,
        }),
      ).rejects.toMatchObject({ code: Status.PERMISSION_DENIED });
    } finally {
      asOrder.close();
    }
  });

  it.each(["operator", "user", "edge"] as const)(
    "refuses the ReservationService to the %s identity",
    async (as) => {
      const mug = await mugWithStock(`AUTHZ-RS-${as}`);
      const client = reservations(as);
      try {
        await expect(
          client.reserveStock({
            orderId: randomUUID(),
            items: [{ productId: mug.id, quantity: 1 }],
          }),
        ).rejects.toMatchObject({
          code: Status.PERMISSION_DENIED,
          message: `permission denied: ${shop.trust.identities[as]} may not call /shopmesh.inventory.v1.ReservationService/ReserveStock (no rule allows it)`,
        });
        await expect(client.releaseStock({ orderId: randomUUID() })).rejects.toMatchObject({
          code: Status.PERMISSION_DENIED,
        });
      } finally {
        client.close();
      }
      expect((await shop.clients.products.getProduct({ id: mug.id })).stock).toBe(10);
    },
  );

  it("lets the order identity reserve through the ReservationService and release through the deprecated method, one store", async () => {
    const mug = await mugWithStock("AUTHZ-RS-ORDER");
    const orderId = randomUUID();
    const current = reservations("order");
    const deprecated = product("order");
    try {
      const reserved = await current.reserveStock({
        orderId,
        items: [{ productId: mug.id, quantity: 4 }],
      });
      expect(reserved.items).toEqual([expect.objectContaining({ productId: mug.id, quantity: 4 })]);
      await expect.poll(stockOf(mug.id), untilNotified).toBe(6);
      // The deprecated copy replays the same reservation (same store, same idempotency key)...
      const replayed = await deprecated.reserveStock({
        orderId,
        items: [{ productId: mug.id, quantity: 4 }],
      });
      expect(replayed.items).toEqual(
        reserved.items.map((item) =>
          expect.objectContaining({ productId: item.productId, quantity: item.quantity }),
        ),
      );
      // ...and gives the stock back once, whichever service is asked.
      const released = await deprecated.releaseStock({ orderId });
      expect(released.returnedItems).toEqual([expect.objectContaining({ quantity: 4 })]);
      expect((await current.releaseStock({ orderId })).returnedItems).toEqual([]);
      await expect.poll(stockOf(mug.id), untilNotified).toBe(10);
    } finally {
      current.close();
      deprecated.close();
    }
  });

  it("lists users only for the operator", async () => {
    const asOrder = createServiceClient(UserService, {
      dependency: "user service",
      ...shop.dial("user", "order"),
      timeoutMs: 5_000,
    });
    try {
      await expect(asOrder.listUsers({})).rejects.toMatchObject({ code: Status.PERMISSION_DENIED });
      expect((await shop.clients.users.listUsers({})).users).toBeDefined();
    } finally {
      asOrder.close();
    }
  });

  it("logs each call with the caller's identity and the rule that let it in", async () => {
    await shop.clients.users.listUsers({});
    await meshLogsWritten(shop, ["user"]);
    const line = shop.output.findLast((l) => l.startsWith("user:") && l.includes("ListUsers"));
    expect(JSON.parse(line?.slice("user: ".length) ?? "{}")).toMatchObject({
      msg: "rpc",
      peer: shop.trust.identities.operator,
      rule: "user_listing-from-operator",
    });
  });
});
