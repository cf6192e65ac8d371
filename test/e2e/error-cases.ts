import { randomUUID } from "node:crypto";
import type { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";
import type { MeshClients } from "../../services/cli/mesh-clients.js";
import { type WireDetails, wireDetails } from "../support/error-details.js";

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
 * Asserts a row's error details as a client decodes them: the domain, the row's reason and
 * details, and for INVALID_ARGUMENT field violations that say what the message says.
 */
export function expectDetails(
  error: ConnectError,
  code: ErrorCase[2],
  message: string,
  expected: Partial<WireDetails>,
): void {
  const details = wireDetails(error);
  expect(details).toMatchObject({ domain: "shopmesh.dev", ...expected });
  if (code === "InvalidArgument") {
    const texts = details.fieldViolations?.map((v) => `${v.field}: ${v.description}`);
    expect(texts?.join("; ")).toBe(message);
  }
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

/**
 * A rule broken on purpose: the call, and the code, message and error details (read when the
 * row runs, as a partial match of {@link WireDetails}) it must get.
 */
export type ErrorCase = [
  name: string,
  call: () => Promise<unknown>,
  code: keyof typeof Code,
  message: RegExp,
  details: () => Partial<WireDetails>,
];

/** INVALID_FIELD violations of exactly these fields, in this order. */
const fields =
  (...names: string[]) =>
  () => ({
    reason: "INVALID_FIELD",
    fieldViolations: names.map((field) => ({ field }) as { field: string; description: string }),
  });
/** A reason alone. */
const reason =
  (name: string, more: () => Partial<WireDetails> = () => ({})) =>
  () => ({ reason: name, ...more() });
/** NOT_FOUND of one resource. */
const missing = (name: string, type: string, id: () => string) =>
  reason(name, () => ({ resource: { type, name: id() } }));

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
      fields("email"),
    ],
    [
      "CreateUser with a bad email",
      () => api.clients.users.createUser({ email: "nope", displayName: "x" }),
      "InvalidArgument",
      /^email: must be an email address/,
      fields("email"),
    ],
    [
      "CreateUser with a blank name",
      () => api.clients.users.createUser({ email: "a@b.io", displayName: " " }),
      "InvalidArgument",
      /^display_name: /,
      fields("display_name"),
    ],
    [
      "CreateUser with a taken email",
      () => api.clients.users.createUser({ email: "TAKEN@example.com", displayName: "x" }),
      "AlreadyExists",
      /already exists/,
      reason("EMAIL_TAKEN", () => ({ metadata: { email: "TAKEN@example.com" } })),
    ],
    [
      "GetUser with a bad id",
      () => api.clients.users.getUser({ id: "7" }),
      "InvalidArgument",
      /^id: must be a UUID$/,
      fields("id"),
    ],
    [
      "GetUser of nobody",
      () => api.clients.users.getUser({ id: ghost }),
      "NotFound",
      new RegExp(`^user ${ghost} not found$`),
      missing("USER_NOT_FOUND", "shopmesh.user.v1.User", () => ghost),
    ],
    [
      "ListUsers with a negative page size",
      () => api.clients.users.listUsers({ pageSize: -1 }),
      "InvalidArgument",
      /^page_size: /,
      fields("page_size"),
    ],
    [
      "ListUsers with a forged token",
      () => api.clients.users.listUsers({ pageToken: "abc" }),
      "InvalidArgument",
      /^page_token: /,
      fields("page_token"),
    ],
    [
      "CreateProduct without price",
      () => api.clients.products.createProduct({ sku: "S", name: "N" }),
      "InvalidArgument",
      /^price: is required$/,
      fields("price"),
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
      fields("price.currency_code"),
    ],
    [
      "CreateProduct with an unknown currency",
      () =>
        api.clients.products.createProduct({
          sku: "S",
          name: "N",
          price: { currencyCode: "ABC" },
        }),
      "InvalidArgument",
      /^price\.currency_code: ABC is not an ISO 4217 currency$/,
      () => ({
        reason: "UNKNOWN_CURRENCY",
        metadata: { currency: "ABC" },
        fieldViolations: [{ field: "price.currency_code" }] as never,
      }),
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
      fields("price.minor_units"),
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
      fields("stock"),
    ],
    [
      "CreateProduct without name",
      () => api.clients.products.createProduct({ sku: "S", price: { currencyCode: "EUR" } }),
      "InvalidArgument",
      /^name: /,
      fields("name"),
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
      reason("SKU_TAKEN", () => ({ metadata: { sku: "TAKEN" } })),
    ],
    [
      "GetProduct of nothing",
      () => api.clients.products.getProduct({ id: ghost }),
      "NotFound",
      new RegExp(`^product ${ghost} not found$`),
      missing("PRODUCT_NOT_FOUND", "shopmesh.product.v1.Product", () => ghost),
    ],
    [
      "BatchGetProducts without ids",
      () => api.internalProducts.batchGetProducts({}),
      "InvalidArgument",
      /^ids: /,
      fields("ids"),
    ],
    [
      "BatchGetProducts with an unknown id",
      () => api.internalProducts.batchGetProducts({ ids: [api.eurProduct, ghost] }),
      "NotFound",
      new RegExp(ghost),
      missing("PRODUCT_NOT_FOUND", "shopmesh.product.v1.Product", () => ghost),
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
      fields("order_id"),
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
      fields("items[0].quantity"),
    ],
    [
      "ReleaseStock without order id",
      () => api.internalProducts.releaseStock({}),
      "InvalidArgument",
      /^order_id: is required$/,
      fields("order_id"),
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
      fields("request_id"),
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
      fields("user_id"),
    ],
    [
      "CreateOrder without items",
      () => api.clients.orders.createOrder({ requestId: "r", userId: api.userId }),
      "InvalidArgument",
      /^items: must hold at least one item$/,
      fields("items"),
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
      fields("items[0].quantity"),
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
      reason("DUPLICATE_ITEM", () => ({
        fieldViolations: [{ field: "items[1].product_id" }] as never,
      })),
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
      missing("USER_NOT_FOUND", "shopmesh.user.v1.User", () => ghost),
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
      missing("PRODUCT_NOT_FOUND", "shopmesh.product.v1.Product", () => ghost),
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
      reason("INSUFFICIENT_STOCK", () => ({
        metadata: { product: api.eurProduct, requested: "3", available: "2" },
        preconditionViolations: [{ type: "STOCK", subject: `products/${api.eurProduct}` }],
      })),
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
      reason("MIXED_CURRENCIES", () => ({
        metadata: { currencies: "EUR, USD" },
        fieldViolations: [{ field: "items" }] as never,
      })),
    ],
    [
      "GetOrder of nothing",
      () => api.clients.orders.getOrder({ id: ghost }),
      "NotFound",
      new RegExp(`^order ${ghost} not found$`),
      missing("ORDER_NOT_FOUND", "shopmesh.order.v1.Order", () => ghost),
    ],
    [
      "CancelOrder of nothing",
      () => api.clients.orders.cancelOrder({ id: ghost }),
      "NotFound",
      new RegExp(`^order ${ghost} not found$`),
      missing("ORDER_NOT_FOUND", "shopmesh.order.v1.Order", () => ghost),
    ],
    [
      "ListOrders with a bad user id",
      () => api.clients.orders.listOrders({ userId: "me" }),
      "InvalidArgument",
      /^user_id: must be a UUID$/,
      fields("user_id"),
    ],
    [
      "CreateUser with every field wrong",
      () => api.clients.users.createUser({ email: "nope", displayName: " " }),
      "InvalidArgument",
      /^email: must be an email address .*; display_name: is required and must not be blank$/,
      fields("email", "display_name"),
    ],
    [
      "CreateOrder with every item wrong",
      () =>
        api.clients.orders.createOrder({
          requestId: "",
          userId: api.userId,
          items: [
            { productId: "x", quantity: 0 },
            { productId: api.eurProduct, quantity: 0 },
          ],
        }),
      "InvalidArgument",
      /^request_id: is required; items\[0\]\.product_id: .*; items\[0\]\.quantity: .*; items\[1\]\.quantity: /,
      fields("request_id", "items[0].product_id", "items[0].quantity", "items[1].quantity"),
    ],
  ];
}
