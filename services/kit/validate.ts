import { checkEach, checkFields } from "./error-details/index.js";
import { invalidArgument } from "./rpc-error.js";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The value, lower-cased, if it is a UUID; INVALID_ARGUMENT naming `field` otherwise. */
export function requireUuid(field: string, value: string): string {
  if (value === "") throw invalidArgument(field, "is required");
  if (!uuidPattern.test(value)) throw invalidArgument(field, "must be a UUID");
  return value.toLowerCase();
}

/** The value, trimmed, if it has 1 to `maxLength` characters; INVALID_ARGUMENT otherwise. */
export function requireText(field: string, value: string, maxLength: number): string {
  const trimmed = value.trim();
  if (trimmed === "") throw invalidArgument(field, "is required and must not be blank");
  if ([...trimmed].length > maxLength) {
    throw invalidArgument(field, `must be at most ${maxLength} characters`);
  }
  return trimmed;
}

/** A whole number within [min, max]; INVALID_ARGUMENT naming `field` otherwise. */
export function requireRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(field, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Most items one order or reservation may hold. */
export const maxItems = 100;
/** Most units of one product per order. */
export const maxQuantity = 1_000_000;

/**
 * Order lines: 1 to {@link maxItems}, each a product UUID at most once with a quantity of at
 * least 1. Errors name the item, e.g. `items[2].quantity: must be from 1 to 1000000`.
 */
export function requireItems<Item extends { productId: string; quantity: number }>(
  field: string,
  items: readonly Item[],
): Item[] {
  if (items.length === 0) throw invalidArgument(field, "must hold at least one item");
  if (items.length > maxItems) throw invalidArgument(field, `must hold at most ${maxItems} items`);
  const seen = new Set<string>();
  // Every item's violations at once: a cart can mark each line in one round trip.
  return checkEach(items, (item, index) => {
    const { productId } = checkFields({
      productId: () => requireUuid(`${field}[${index}].product_id`, item.productId),
      quantity: () => requireRange(`${field}[${index}].quantity`, item.quantity, 1, maxQuantity),
    });
    if (seen.has(productId)) {
      throw invalidArgument(
        `${field}[${index}].product_id`,
        `product ${productId} is listed twice`,
        "DUPLICATE_ITEM",
        { product: productId },
      );
    }
    seen.add(productId);
    return { ...item, productId };
  });
}
