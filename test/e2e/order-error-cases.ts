import { randomUUID } from "node:crypto";
import {
  type ErrorCase,
  type ErrorCaseContext,
  fields,
  ghost,
  missing,
  reason,
} from "../support/error-case-shape.js";

/** The order service's rows of the rule table (see error-cases.ts). */
export function orderErrorCases(api: ErrorCaseContext): ErrorCase[] {
  return [
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
