// The field checks the handlers ran in TypeScript before the rules moved into the protos
// (services/kit/validate.ts and the per-service validators at e32c3f2), kept here only as the
// baseline of bench/validation-cost.ts: the same messages checked the old way. Nothing else may
// import this file.
import { checkEach, checkFields, invalidArgument } from "../services/kit/index.js";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const emailPattern = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
const codePattern = /^[A-Z]{3}$/;

function requireUuid(field: string, value: string): string {
  if (value === "") throw invalidArgument(field, "is required");
  if (!uuidPattern.test(value)) throw invalidArgument(field, "must be a UUID");
  return value.toLowerCase();
}

function requireText(field: string, value: string, maxLength: number): string {
  const trimmed = value.trim();
  if (trimmed === "") throw invalidArgument(field, "is required and must not be blank");
  if ([...trimmed].length > maxLength) {
    throw invalidArgument(field, `must be at most ${maxLength} characters`);
  }
  return trimmed;
}

function requireRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(field, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function requireItems<Item extends { productId: string; quantity: number }>(
  field: string,
  items: readonly Item[],
): Item[] {
  if (items.length === 0) throw invalidArgument(field, "must hold at least one item");
  if (items.length > 100) throw invalidArgument(field, "must hold at most 100 items");
  const seen = new Set<string>();
  return checkEach(items, (item, index) => {
    const { productId } = checkFields({
      productId: () => requireUuid(`${field}[${index}].product_id`, item.productId),
      quantity: () => requireRange(`${field}[${index}].quantity`, item.quantity, 1, 1_000_000),
    });
    if (seen.has(productId)) {
      throw invalidArgument(
        `${field}[${index}].product_id`,
        `product ${productId} is listed twice`,
      );
    }
    seen.add(productId);
    return { ...item, productId };
  });
}

function requireEmail(value: string): string {
  const email = value.trim();
  if (email === "") throw invalidArgument("email", "is required");
  if (email.length > 254) throw invalidArgument("email", "must be at most 254 characters");
  if (!emailPattern.test(email)) {
    throw invalidArgument("email", "must be an email address such as name@example.com");
  }
  return email;
}

function requireRequestId(value: string): string {
  if (value === "") throw invalidArgument("request_id", "is required");
  if (value.length > 128) throw invalidArgument("request_id", "must be at most 128 characters");
  return value;
}

/** The old CreateOrder checks (without the end-user branch: the bench's caller is a service). */
export function oldCreateOrderChecks(request: {
  requestId: string;
  userId: string;
  items: readonly { productId: string; quantity: number }[];
}) {
  return checkFields({
    requestId: () => requireRequestId(request.requestId),
    userId: () => requireUuid("user_id", request.userId),
    items: () => requireItems("items", request.items),
  });
}

/** The old CreateUser checks. */
export function oldCreateUserChecks(request: { email: string; displayName: string }) {
  return checkFields({
    email: () => requireEmail(request.email),
    displayName: () => requireText("display_name", request.displayName, 100),
  });
}

/** The old CreateProduct checks (the form of the currency only: ISO 4217's list is no rule). */
export function oldCreateProductChecks(request: {
  sku: string;
  name: string;
  price?: { currencyCode: string; minorUnits: bigint } | undefined;
  stock: number;
}) {
  return checkFields({
    sku: () => requireText("sku", request.sku, 64),
    name: () => requireText("name", request.name, 200),
    price: () => {
      const { price } = request;
      if (!price) throw invalidArgument("price", "is required");
      return checkFields({
        currencyCode: () => {
          if (!codePattern.test(price.currencyCode)) {
            throw invalidArgument("price.currency_code", "must be a three-letter code");
          }
          return price.currencyCode;
        },
        minorUnits: () => {
          if (price.minorUnits < 0n) {
            throw invalidArgument("price.minor_units", "must not be negative");
          }
          return price.minorUnits;
        },
      });
    },
    stock: () => requireRange("stock", request.stock, 0, 2 ** 31 - 1),
  });
}
