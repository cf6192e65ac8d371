import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";

// Every rule of the API, checked over the wire: the status code and a message naming the field
// and the rule (or the missing thing). Never INTERNAL for a caller's mistake.
let shop: TestMesh;
let userId: string;
let eurProduct: string;
let usdProduct: string;
const ghost = "00000000-0000-4000-8000-000000000000";

beforeAll(async () => {
  shop = await startTestMesh("errors");
  const { users, products } = shop.clients;
  userId = (await users.createUser({ email: "taken@example.com", displayName: "Taken" })).id;
  const price = (currencyCode: string) => ({ currencyCode, minorUnits: 100n });
  eurProduct = (
    await products.createProduct({ sku: "TAKEN", name: "A", price: price("EUR"), stock: 2 })
  ).id;
  usdProduct = (
    await products.createProduct({ sku: "USD-1", name: "B", price: price("USD"), stock: 2 })
  ).id;
});
afterAll(() => shop.close());

async function failure(call: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call();
  } catch (error) {
    const connectError = ConnectError.from(error);
    return { code: Code[connectError.code], message: connectError.rawMessage };
  }
  throw new Error("the call succeeded");
}

type Case = [name: string, call: () => Promise<unknown>, code: keyof typeof Code, message: RegExp];

const cases: Case[] = [
  [
    "CreateUser without email",
    () => shop.clients.users.createUser({ displayName: "x" }),
    "InvalidArgument",
    /^email: is required$/,
  ],
  [
    "CreateUser with a bad email",
    () => shop.clients.users.createUser({ email: "nope", displayName: "x" }),
    "InvalidArgument",
    /^email: must be an email address/,
  ],
  [
    "CreateUser with a blank name",
    () => shop.clients.users.createUser({ email: "a@b.io", displayName: " " }),
    "InvalidArgument",
    /^display_name: /,
  ],
  [
    "CreateUser with a taken email",
    () => shop.clients.users.createUser({ email: "TAKEN@example.com", displayName: "x" }),
    "AlreadyExists",
    /already exists/,
  ],
  [
    "GetUser with a bad id",
    () => shop.clients.users.getUser({ id: "7" }),
    "InvalidArgument",
    /^id: must be a UUID$/,
  ],
  [
    "GetUser of nobody",
    () => shop.clients.users.getUser({ id: ghost }),
    "NotFound",
    new RegExp(`^user ${ghost} not found$`),
  ],
  [
    "ListUsers with a negative page size",
    () => shop.clients.users.listUsers({ pageSize: -1 }),
    "InvalidArgument",
    /^page_size: /,
  ],
  [
    "ListUsers with a forged token",
    () => shop.clients.users.listUsers({ pageToken: "abc" }),
    "InvalidArgument",
    /^page_token: /,
  ],
  [
    "CreateProduct without price",
    () => shop.clients.products.createProduct({ sku: "S", name: "N" }),
    "InvalidArgument",
    /^price: is required$/,
  ],
  [
    "CreateProduct with a bad currency",
    () =>
      shop.clients.products.createProduct({ sku: "S", name: "N", price: { currencyCode: "euro" } }),
    "InvalidArgument",
    /^price\.currency_code: /,
  ],
  [
    "CreateProduct with a negative price",
    () =>
      shop.clients.products.createProduct({
        sku: "S",
        name: "N",
        price: { currencyCode: "EUR", minorUnits: -1n },
      }),
    "InvalidArgument",
    /^price\.minor_units: must not be negative$/,
  ],
  [
    "CreateProduct with negative stock",
    () =>
      shop.clients.products.createProduct({
        sku: "S",
        name: "N",
        price: { currencyCode: "EUR" },
        stock: -1,
      }),
    "InvalidArgument",
    /^stock: /,
  ],
  [
    "CreateProduct without name",
    () => shop.clients.products.createProduct({ sku: "S", price: { currencyCode: "EUR" } }),
    "InvalidArgument",
    /^name: /,
  ],
  [
    "CreateProduct with a taken sku",
    () =>
      shop.clients.products.createProduct({
        sku: "TAKEN",
        name: "N",
        price: { currencyCode: "EUR" },
      }),
    "AlreadyExists",
    /sku TAKEN already exists/,
  ],
  [
    "GetProduct of nothing",
    () => shop.clients.products.getProduct({ id: ghost }),
    "NotFound",
    new RegExp(`^product ${ghost} not found$`),
  ],
  [
    "BatchGetProducts without ids",
    () => shop.clients.products.batchGetProducts({}),
    "InvalidArgument",
    /^ids: /,
  ],
  [
    "BatchGetProducts with an unknown id",
    () => shop.clients.products.batchGetProducts({ ids: [eurProduct, ghost] }),
    "NotFound",
    new RegExp(ghost),
  ],
  [
    "ReserveStock with a bad order id",
    () =>
      shop.clients.products.reserveStock({
        orderId: "x",
        items: [{ productId: eurProduct, quantity: 1 }],
      }),
    "InvalidArgument",
    /^order_id: /,
  ],
  [
    "ReserveStock of zero units",
    () =>
      shop.clients.products.reserveStock({
        orderId: randomUUID(),
        items: [{ productId: eurProduct, quantity: 0 }],
      }),
    "InvalidArgument",
    /^items\[0\]\.quantity: /,
  ],
  [
    "ReleaseStock without order id",
    () => shop.clients.products.releaseStock({}),
    "InvalidArgument",
    /^order_id: is required$/,
  ],
  [
    "CreateOrder without request_id",
    () =>
      shop.clients.orders.createOrder({ userId, items: [{ productId: eurProduct, quantity: 1 }] }),
    "InvalidArgument",
    /^request_id: is required$/,
  ],
  [
    "CreateOrder with a bad user id",
    () =>
      shop.clients.orders.createOrder({
        requestId: "r",
        userId: "u",
        items: [{ productId: eurProduct, quantity: 1 }],
      }),
    "InvalidArgument",
    /^user_id: must be a UUID$/,
  ],
  [
    "CreateOrder without items",
    () => shop.clients.orders.createOrder({ requestId: "r", userId }),
    "InvalidArgument",
    /^items: must hold at least one item$/,
  ],
  [
    "CreateOrder of zero units",
    () =>
      shop.clients.orders.createOrder({
        requestId: "r",
        userId,
        items: [{ productId: eurProduct, quantity: 0 }],
      }),
    "InvalidArgument",
    /^items\[0\]\.quantity: /,
  ],
  [
    "CreateOrder listing a product twice",
    () =>
      shop.clients.orders.createOrder({
        requestId: "r",
        userId,
        items: [
          { productId: eurProduct, quantity: 1 },
          { productId: eurProduct, quantity: 1 },
        ],
      }),
    "InvalidArgument",
    /^items\[1\]\.product_id: .* listed twice$/,
  ],
  [
    "CreateOrder for nobody",
    () =>
      shop.clients.orders.createOrder({
        requestId: randomUUID(),
        userId: ghost,
        items: [{ productId: eurProduct, quantity: 1 }],
      }),
    "NotFound",
    new RegExp(`^user ${ghost} not found$`),
  ],
  [
    "CreateOrder of nothing",
    () =>
      shop.clients.orders.createOrder({
        requestId: randomUUID(),
        userId,
        items: [{ productId: ghost, quantity: 1 }],
      }),
    "NotFound",
    new RegExp(`^product ${ghost} not found$`),
  ],
  [
    "CreateOrder beyond stock",
    () =>
      shop.clients.orders.createOrder({
        requestId: randomUUID(),
        userId,
        items: [{ productId: eurProduct, quantity: 3 }],
      }),
    "FailedPrecondition",
    /^insufficient stock for product [0-9a-f-]+: 3 requested, 2 available$/,
  ],
  [
    "CreateOrder mixing currencies",
    () =>
      shop.clients.orders.createOrder({
        requestId: randomUUID(),
        userId,
        items: [
          { productId: eurProduct, quantity: 1 },
          { productId: usdProduct, quantity: 1 },
        ],
      }),
    "InvalidArgument",
    /^items: all products of one order must share a currency, found EUR, USD$/,
  ],
  [
    "GetOrder of nothing",
    () => shop.clients.orders.getOrder({ id: ghost }),
    "NotFound",
    new RegExp(`^order ${ghost} not found$`),
  ],
  [
    "CancelOrder of nothing",
    () => shop.clients.orders.cancelOrder({ id: ghost }),
    "NotFound",
    new RegExp(`^order ${ghost} not found$`),
  ],
  [
    "ListOrders with a bad user id",
    () => shop.clients.orders.listOrders({ userId: "me" }),
    "InvalidArgument",
    /^user_id: must be a UUID$/,
  ],
];

describe("errors", () => {
  it.each(cases)("%s", async (_name, call, code, message) => {
    const { code: actual, message: actualMessage } = await failure(call);
    expect(actual).toBe(code);
    expect(actualMessage).toMatch(message);
  });

  it("reports an unreachable dependency as UNAVAILABLE, and recovers when it is back", async () => {
    const order = () =>
      shop.clients.orders.createOrder({
        requestId: randomUUID(),
        userId,
        items: [{ productId: eurProduct, quantity: 1 }],
      });
    await shop.mesh.stop("product");
    try {
      const { code, message } = await failure(order);
      expect(code).toBe("Unavailable");
      expect(message).toMatch(/^product service unavailable/);
    } finally {
      await shop.mesh.start("product");
    }
    // The order service reconnects by itself (with a short backoff); no restart needed.
    await expect
      .poll(
        () =>
          order().then(
            (placed) => placed.id,
            () => undefined,
          ),
        { timeout: 10_000 },
      )
      .toBeTruthy();
  });
});
