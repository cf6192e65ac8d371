import { create, type DescMessage, getOption, type MessageInitShape } from "@bufbuild/protobuf";
import { field as fieldRules } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { describe, expect, it } from "vitest";
import { AdminService } from "../../gen/shopmesh/admin/v1/admin_service_pb.js";
import {
  ReleaseStockRequestSchema as InventoryReleaseSchema,
  ReserveStockRequestSchema as InventoryReserveSchema,
  ReservationService,
} from "../../gen/shopmesh/inventory/v1/reservation_service_pb.js";
import {
  CreateOrderRequestSchema,
  ListOrdersRequestSchema,
  OrderService,
} from "../../gen/shopmesh/order/v1/order_service_pb.js";
import {
  AdjustStockRequestSchema,
  BatchGetProductsRequestSchema,
  CreateProductRequestSchema,
  ProductService,
  ReserveStockRequestSchema,
  UpdateProductRequestSchema,
} from "../../gen/shopmesh/product/v1/product_service_pb.js";
import {
  CreateUserRequestSchema,
  GetUserRequestSchema,
  ListUsersRequestSchema,
  UpdateUserRequestSchema,
  UserService,
} from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { Status } from "../rpc-error.js";
import { brokenRules, warmRequestRules } from "./request-rules.js";
import { patternTexts } from "./rule-texts.js";

/** The `field: rule` texts protovalidate finds in `init`, joined as the error message joins them. */
function broken<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc>): string {
  const error = brokenRules(schema, create(schema, init));
  if (!error) return "valid";
  expect(error.code).toBe(Status.INVALID_ARGUMENT);
  expect(error.details?.reason).toBe("INVALID_FIELD");
  // The BadRequest detail says what the message says, field by field.
  const violations = error.details?.fieldViolations ?? [];
  expect(violations.map((v) => `${v.field}: ${v.description}`).join("; ")).toBe(error.message);
  return error.message;
}

const uuid = (n: number) => `abcdef00-0000-4000-8000-${n.toString().padStart(12, "0")}`;
const item = (n: number, quantity = 1) => ({ productId: uuid(n), quantity });
const user = (email: string, displayName = "Ada") =>
  broken(CreateUserRequestSchema, { email, displayName });
const product = (fields: { sku?: string; name?: string; price?: Price; stock?: number }) =>
  broken(CreateProductRequestSchema, {
    sku: fields.sku ?? "S",
    name: fields.name ?? "N",
    price: fields.price ?? { currencyCode: "EUR", minorUnits: 100n },
    stock: fields.stock ?? 0,
  });
type Price = { currencyCode: string; minorUnits?: bigint };
type Item = { productId: string; quantity: number };
const order = (items: Item[]) => broken(CreateOrderRequestSchema, { requestId: "r", items });

describe("the proto's rules, in the API's words", () => {
  it("UUIDs: required, well-formed, either case", () => {
    expect(broken(GetUserRequestSchema, { id: "" })).toBe("id: is required");
    expect(broken(GetUserRequestSchema, { id: uuid(1).toUpperCase() })).toBe("valid");
    for (const id of [
      "not-a-uuid",
      "3f2504e0-4f89-41d3-9a0c-0305e82c330",
      "3f2504e0-4f89-41d3-9a0c-0305e82c33012",
      "3f2504e04f8941d39a0c0305e82c3301",
      " 3f2504e0-4f89-41d3-9a0c-0305e82c3301",
      "3f2504e0-4f89-41d3-9a0c-0305e82c330g",
    ]) {
      expect(broken(GetUserRequestSchema, { id })).toBe("id: must be a UUID");
    }
  });

  it.each([
    ["", "email: is required"],
    ["not-an-email", "email: must be an email address such as name@example.com"],
    ["a b@example.com", "email: must be an email address such as name@example.com"],
    ["a\u00a0b@example.com", "email: must be an email address such as name@example.com"],
    [" ada@example.com", "email: must be an email address such as name@example.com"],
    // One text per field, the first rule it breaks: the length, though it is no address either.
    [`${"x".repeat(250)}@example.com`, "email: must be at most 254 characters"],
    ["ada@example.com", "valid"],
  ])("email %j: %s", (email, expected) => {
    expect(user(email)).toBe(expected);
  });

  it.each(["", "   ", "\t\n", "\u00a0\u3000\ufeff"])("refuses the blank name %j", (name) => {
    expect(user("ada@example.com", name)).toBe("display_name: is required and must not be blank");
  });

  it("counts characters, an emoji as one, not its two UTF-16 units", () => {
    const hundredEmoji = "😀".repeat(100);
    expect(hundredEmoji.length).toBe(200);
    expect(user("ada@example.com", hundredEmoji)).toBe("valid");
    expect(user("ada@example.com", `${hundredEmoji}!`)).toBe(
      "display_name: must be at most 100 characters",
    );
  });

  it("names every broken field at once, in field order", () => {
    expect(user("nope", " ")).toBe(
      "email: must be an email address such as name@example.com; display_name: is required and must not be blank",
    );
    expect(
      broken(CreateOrderRequestSchema, {
        requestId: "",
        userId: "u",
        items: [{ productId: "x", quantity: 0 }, item(2, 0)],
      }),
    ).toBe(
      "request_id: is required; user_id: must be a UUID; items[0].product_id: must be a UUID; " +
        "items[0].quantity: must be a whole number from 1 to 1000000; " +
        "items[1].quantity: must be a whole number from 1 to 1000000",
    );
  });

  it("prices and stock", () => {
    expect(broken(CreateProductRequestSchema, { sku: "S", name: "N" })).toBe("price: is required");
    expect(product({ price: { currencyCode: "euro" } })).toBe(
      "price.currency_code: must be a three-letter upper-case ISO 4217 code such as EUR",
    );
    // Three capitals is the proto's rule; whether ISO 4217 knows them is the platform's data.
    expect(product({ price: { currencyCode: "ABC" } })).toBe("valid");
    expect(product({ price: { currencyCode: "EUR", minorUnits: -1n } })).toBe(
      "price.minor_units: must not be negative",
    );
    expect(product({ stock: -1 })).toBe("stock: must not be negative");
    expect(product({ sku: "x".repeat(65) })).toBe("sku: must be at most 64 characters");
    expect(product({ name: "" })).toBe("name: is required and must not be blank");
  });

  it("lists: 1 to 100 entries, each checked and named by index", () => {
    const hundred = Array.from({ length: 100 }, (_, n) => item(n));
    expect(order([])).toBe("items: must hold at least one item");
    expect(order(hundred)).toBe("valid");
    expect(order([...hundred, item(100)])).toBe("items: must hold at most 100 items");
    expect(order([item(1), { productId: "", quantity: 1 }])).toBe(
      "items[1].product_id: is required",
    );
    for (const quantity of [0, -3, 1_000_001]) {
      expect(order([item(1), item(2), item(3, quantity)])).toBe(
        "items[2].quantity: must be a whole number from 1 to 1000000",
      );
    }
    expect(broken(BatchGetProductsRequestSchema, { ids: [] })).toBe(
      "ids: must hold at least one id",
    );
    expect(broken(BatchGetProductsRequestSchema, { ids: [uuid(1), "", "x"] })).toBe(
      "ids[1]: is required; ids[2]: must be a UUID",
    );
    expect(broken(ReserveStockRequestSchema, { orderId: "x", items: [item(1)] })).toBe(
      "order_id: must be a UUID",
    );
  });

  it("idempotency keys: at most 128 characters, required only where the method says", () => {
    const key = "k".repeat(128);
    expect(broken(CreateUserRequestSchema, { email: "a@b.io", displayName: "A" })).toBe("valid");
    expect(
      broken(CreateUserRequestSchema, { email: "a@b.io", displayName: "A", requestId: `${key}!` }),
    ).toBe("request_id: must be at most 128 characters");
    expect(product({})).toBe("valid");
    expect(
      broken(CreateProductRequestSchema, {
        sku: "S",
        name: "N",
        price: { currencyCode: "EUR" },
        requestId: `${key}!`,
      }),
    ).toBe("request_id: must be at most 128 characters");
    const adjust = { productId: uuid(1), delta: -2, reason: "breakage", requestId: key };
    expect(broken(AdjustStockRequestSchema, adjust)).toBe("valid");
    expect(broken(AdjustStockRequestSchema, { ...adjust, requestId: "" })).toBe(
      "request_id: is required",
    );
  });

  it("AdjustStock: a product, a delta that is not 0, a reason", () => {
    expect(
      broken(AdjustStockRequestSchema, { productId: "x", delta: 0, reason: " ", requestId: "" }),
    ).toBe(
      "product_id: must be a UUID; delta: must not be 0; reason: is required and must not be blank; " +
        "request_id: is required",
    );
    expect(
      broken(AdjustStockRequestSchema, {
        productId: uuid(1),
        delta: 1,
        reason: "x".repeat(201),
        requestId: "r",
      }),
    ).toBe("reason: must be at most 200 characters");
  });

  it("updates: the resource is required, its id a UUID, what is set keeps its rules", () => {
    expect(broken(UpdateProductRequestSchema, {})).toBe("product: is required");
    expect(broken(UpdateUserRequestSchema, {})).toBe("user: is required");
    // A field left unset is left alone (the mask decides what must be set: the server's rule).
    expect(broken(UpdateProductRequestSchema, { product: { id: uuid(1) } })).toBe("valid");
    expect(broken(UpdateProductRequestSchema, { product: { name: "N" } })).toBe(
      "product.id: is required",
    );
    expect(
      broken(UpdateProductRequestSchema, {
        product: { id: "x", name: " ", price: { currencyCode: "eur", minorUnits: -1n } },
      }),
    ).toBe(
      "product.id: must be a UUID; product.name: is required and must not be blank; " +
        "product.price.currency_code: must be a three-letter upper-case ISO 4217 code such as EUR; " +
        "product.price.minor_units: must not be negative",
    );
    expect(
      broken(UpdateUserRequestSchema, { user: { id: "nope", displayName: "x".repeat(101) } }),
    ).toBe("user.id: must be a UUID; user.display_name: must be at most 100 characters");
    // The etag is the server's own: any text is passed on, a stale one is ABORTED later.
    expect(broken(UpdateUserRequestSchema, { user: { id: uuid(1), etag: "old" } })).toBe("valid");
  });

  it("ListOrders: a filter of at most 2000 characters; its grammar is the server's", () => {
    expect(broken(ListOrdersRequestSchema, { filter: "x".repeat(2000), orderBy: "?" })).toBe(
      "valid",
    );
    expect(broken(ListOrdersRequestSchema, { filter: "x".repeat(2001) })).toBe(
      "filter: must be at most 2000 characters",
    );
  });

  it("ReservationService: the same rules as the deprecated ProductService copies", () => {
    expect(
      broken(InventoryReserveSchema, { orderId: "x", items: [{ productId: "", quantity: 0 }] }),
    ).toBe(
      "order_id: must be a UUID; items[0].product_id: is required; " +
        "items[0].quantity: must be a whole number from 1 to 1000000",
    );
    expect(broken(InventoryReleaseSchema, {})).toBe("order_id: is required");
  });

  it("page sizes are never negative; the rest of paging is the server's", () => {
    expect(broken(ListUsersRequestSchema, { pageSize: -1 })).toBe(
      "page_size: must not be negative",
    );
    expect(broken(ListUsersRequestSchema, { pageSize: 5000, pageToken: "abc" })).toBe("valid");
  });
});

describe("warmRequestRules", () => {
  // A rule protovalidate cannot compile (a bad RE2 pattern, a CEL typo) must stop the server at
  // start, not answer INTERNAL to its first caller.
  it("compiles every rule of the API", () => {
    expect(() =>
      warmRequestRules([
        UserService,
        ProductService,
        OrderService,
        AdminService,
        ReservationService,
      ]),
    ).not.toThrow();
  });
});

describe("patternTexts", () => {
  it("has the API's words for every pattern the protos declare", () => {
    const patterns = new Set<string>();
    const visit = (message: DescMessage, seen = new Set<string>()) => {
      if (seen.has(message.typeName)) return;
      seen.add(message.typeName);
      for (const field of message.fields) {
        const rules = getOption(field, fieldRules);
        const string =
          rules.type.case === "string"
            ? rules.type.value
            : rules.type.case === "repeated" && rules.type.value.items?.type.case === "string"
              ? rules.type.value.items.type.value
              : undefined;
        if (string?.pattern) patterns.add(string.pattern);
        if (field.message) visit(field.message, seen);
      }
    };
    for (const service of [
      UserService,
      ProductService,
      OrderService,
      AdminService,
      ReservationService,
    ]) {
      for (const method of service.methods) visit(method.input);
    }
    expect(patterns.size).toBe(3);
    for (const pattern of patterns) expect(patternTexts.has(pattern), pattern).toBe(true);
  });
});
