import { randomUUID } from "node:crypto";
import {
  type ErrorCase,
  type ErrorCaseContext,
  fields,
  ghost,
  missing,
  reason,
} from "../support/error-case-shape.js";
import { orderErrorCases } from "./order-error-cases.js";

export {
  createCaseProducts,
  type ErrorCase,
  type ErrorCaseContext,
  expectDetails,
  ghost,
} from "../support/error-case-shape.js";

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
    // The same rules from the ReservationService and its deprecated ProductService copies.
    ...reservationCases(api, () => api.internalReservations, ""),
    ...reservationCases(api, () => api.internalProducts, "deprecated ProductService."),
    ...orderErrorCases(api),
  ];
}

/** The two reservation calls, as either service's client makes them. */
interface ReservationCalls {
  reserveStock(request: {
    orderId: string;
    items: { productId: string; quantity: number }[];
  }): Promise<unknown>;
  releaseStock(request: { orderId?: string }): Promise<unknown>;
}

/**
 * ReserveStock and ReleaseStock's rows, for either service that serves them (`clientOf` is read
 * at call time: the rows are listed before the test has its clients).
 */
function reservationCases(
  api: ErrorCaseContext,
  clientOf: () => ReservationCalls,
  label: string,
): ErrorCase[] {
  return [
    [
      `${label}ReserveStock with a bad order id`,
      () =>
        clientOf().reserveStock({
          orderId: "x",
          items: [{ productId: api.eurProduct, quantity: 1 }],
        }),
      "InvalidArgument",
      /^order_id: /,
      fields("order_id"),
    ],
    [
      `${label}ReserveStock of zero units`,
      () =>
        clientOf().reserveStock({
          orderId: randomUUID(),
          items: [{ productId: api.eurProduct, quantity: 0 }],
        }),
      "InvalidArgument",
      /^items\[0\]\.quantity: /,
      fields("items[0].quantity"),
    ],
    [
      `${label}ReleaseStock without order id`,
      () => clientOf().releaseStock({}),
      "InvalidArgument",
      /^order_id: is required$/,
      fields("order_id"),
    ],
  ];
}
