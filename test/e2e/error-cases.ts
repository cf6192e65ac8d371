import { randomUUID } from "node:crypto";
import type { Code } from "@connectrpc/connect";
import type { MeshClients } from "../../services/cli/mesh-clients.js";

/** What the rows need: the clients and the data the test created. */
export interface ErrorCaseContext {
  clients: MeshClients;
  /** The product service dialled as the order service: the only caller its policy lets reserve. */
  internalProducts: MeshClients["products"];
  userId: string;
  eurProduct: string;
  usdProduct: string;
}

/**
 * The two products the rows order (`TAKEN` in EUR, `USD-1` in USD, two of each), created with
 * `products` (an operator or admin client).
 */
export async function createCaseProducts(
  products: MeshClients["products"],
): Promise<Pick<ErrorCaseContext, "eurProduct" | "usdProduct">> {
  const price = (currencyCode: string) => ({ currencyCode, minorUnits: 100n });
  const eur = { sku: "TAKEN", name: "A", price: price("EUR"), stock: 2 };
  const usd = { sku: "USD-1", name: "B", price: price("USD"), stock: 2 };
  return {
    eurProduct: (await products.createProduct(eur)).id,
    usdProduct: (await products.createProduct(usd)).id,
  };
}

/** An id no object has. */
export const ghost = "00000000-0000-4000-8000-000000000000";

/** A rule broken on purpose: the call, and the code and message it must get. */
export type ErrorCase = [
  name: string,
  call: () => Promise<unknown>,
  code: keyof typeof Code,
  message: RegExp,
];

/**
 * Every rule of the API as one row: the call that breaks it and what the caller must be told.
 * `api` is read when a row runs, after the test's setup filled it in.
 */
export function errorCases(api: ErrorCaseContext): ErrorCase[] {
  return [
    [
      "CreateUser without email",
      () => api.clients.users.createUser({ displayName: "x" }),
      "InvalidArgument",
      /^email: is required$/,
    ],
    [
      "CreateUser with a bad email",
      () => api.clients.users.createUser({ email: "nope", displayName: "x" }),
      "InvalidArgument",
      /^email: must be an email address/,
    ],
    [
      "CreateUser with a blank name",
      () => api.clients.users.createUser({ email: "a@b.io", displayName: " " }),
      "InvalidArgument",
      /^display_name: /,
    ],
    [
      "CreateUser with a taken email",
      () => api.clients.users.createUser({ email: "TAKEN@example.com", displayName: "x" }),
      "AlreadyExists",
      /already exists/,
    ],
    [
      "GetUser with a bad id",
      () => api.clients.users.getUser({ id: "7" }),
      "InvalidArgument",
      /^id: must be a UUID$/,
    ],
    [
      "GetUser of nobody",
      () => api.clients.users.getUser({ id: ghost }),
      "NotFound",
      new RegExp(`^user ${ghost} not found$`),
    ],
    [
      "ListUsers with a negative page size",
      () => api.clients.users.listUsers({ pageSize: -1 }),
      "InvalidArgument",
      /^page_size: /,
    ],
    [
      "ListUsers with a forged token",
      () => api.clients.users.listUsers({ pageToken: "abc" }),
      "InvalidArgument",
      /^page_token: /,
    ],
    [
      "CreateProduct without price",
      () => api.clients.products.createProduct({ sku: "S", name: "N" }),
      "InvalidArgument",
      /^price: is required$/,
    ],
    [
      "CreateProduct with a bad currency",
      () =>
        api.clients.products.createProduct({
          sku: "S",
          name: "N",
          price: { currencyCode: "euro" },
        }),
      "InvalidArgument",
      /^price\.currency_code: /,
    ],
    [
      "CreateProduct with a negative price",
      () =>
        api.clients.products.createProduct({
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
        api.clients.products.createProduct({
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
      () => api.clients.products.createProduct({ sku: "S", price: { currencyCode: "EUR" } }),
      "InvalidArgument",
      /^name: /,
    ],
    [
      "CreateProduct with a taken sku",
      () =>
        api.clients.products.createProduct({
          sku: "TAKEN",
          name: "N",
          price: { currencyCode: "EUR" },
        }),
      "AlreadyExists",
      /sku TAKEN already exists/,
    ],
    [
      "GetProduct of nothing",
      () => api.clients.products.getProduct({ id: ghost }),
      "NotFound",
      new RegExp(`^product ${ghost} not found$`),
    ],
    [
      "BatchGetProducts without ids",
      () => api.internalProducts.batchGetProducts({}),
      "InvalidArgument",
      /^ids: /,
    ],
    [
      "BatchGetProducts with an unknown id",
      () => api.internalProducts.batchGetProducts({ ids: [api.eurProduct, ghost] }),
      "NotFound",
      new RegExp(ghost),
    ],
    [
      "ReserveStock with a bad order id",
      () =>
        api.internalProducts.reserveStock({
          orderId: "x",
          items: [{ productId: api.eurProduct, quantity: 1 }],
        }),
      "InvalidArgument",
      /^order_id: /,
    ],
    [
      "ReserveStock of zero units",
      () =>
        api.internalProducts.reserveStock({
          orderId: randomUUID(),
          items: [{ productId: api.eurProduct, quantity: 0 }],
        }),
      "InvalidArgument",
      /^items\[0\]\.quantity: /,
    ],
    [
      "ReleaseStock without order id",
      () => api.internalProducts.releaseStock({}),
      "InvalidArgument",
      /^order_id: is required$/,
    ],
    [
      "CreateOrder without request_id",
      () =>
        api.clients.orders.createOrder({
          userId: api.userId,
          items: [{ productId: api.eurProduct, quantity: 1 }],
        }),
      "InvalidArgument",
      /^request_id: is required$/,
    ],
    [
      "CreateOrder with a bad user id",
      () =>
        api.clients.orders.createOrder({
          requestId: "r",
          userId: "u",
          items: [{ productId: api.eurProduct, quantity: 1 }],
        }),
      "InvalidArgument",
      /^user_id: must be a UUID$/,
    ],
    [
      "CreateOrder without items",
      () => api.clients.orders.createOrder({ requestId: "r", userId: api.userId }),
      "InvalidArgument",
      /^items: must hold at least one item$/,
    ],
    [
      "CreateOrder of zero units",
      () =>
        api.clients.orders.createOrder({
          requestId: "r",
          userId: api.userId,
          items: [{ productId: api.eurProduct, quantity: 0 }],
        }),
      "InvalidArgument",
      /^items\[0\]\.quantity: /,
    ],
    [
      "CreateOrder listing a product twice",
      () =>
        api.clients.orders.createOrder({
          requestId: "r",
          userId: api.userId,
          items: [
            { productId: api.eurProduct, quantity: 1 },
            { productId: api.eurProduct, quantity: 1 },
          ],
        }),
      "InvalidArgument",
      /^items\[1\]\.product_id: .* listed twice$/,
    ],
    [
      "CreateOrder for nobody",
      () =>
        api.clients.orders.createOrder({
          requestId: randomUUID(),
          userId: ghost,
          items: [{ productId: api.eurProduct, quantity: 1 }],
        }),
      "NotFound",
      new RegExp(`^user ${ghost} not found$`),
    ],
    [
      "CreateOrder of nothing",
      () =>
        api.clients.orders.createOrder({
          requestId: randomUUID(),
          userId: api.userId,
          items: [{ productId: ghost, quantity: 1 }],
        }),
      "NotFound",
      new RegExp(`^product ${ghost} not found$`),
    ],
    [
      "CreateOrder beyond stock",
      () =>
        api.clients.orders.createOrder({
          requestId: randomUUID(),
          userId: api.userId,
          items: [{ productId: api.eurProduct, quantity: 3 }],
        }),
      "FailedPrecondition",
      /^insufficient stock for product [0-9a-f-]+: 3 requested, 2 available$/,
    ],
    [
      "CreateOrder mixing currencies",
      () =>
        api.clients.orders.createOrder({
          requestId: randomUUID(),
          userId: api.userId,
          items: [
            { productId: api.eurProduct, quantity: 1 },
            { productId: api.usdProduct, quantity: 1 },
          ],
        }),
      "InvalidArgument",
      /^items: all products of one order must share a currency, found EUR, USD$/,
    ],
    [
      "GetOrder of nothing",
      () => api.clients.orders.getOrder({ id: ghost }),
      "NotFound",
      new RegExp(`^order ${ghost} not found$`),
    ],
    [
      "CancelOrder of nothing",
      () => api.clients.orders.cancelOrder({ id: ghost }),
      "NotFound",
      new RegExp(`^order ${ghost} not found$`),
    ],
    [
      "ListOrders with a bad user id",
      () => api.clients.orders.listOrders({ userId: "me" }),
      "InvalidArgument",
      /^user_id: must be a UUID$/,
    ],
  ];
}
