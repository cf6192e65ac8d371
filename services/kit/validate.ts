// What is left of the request rules in TypeScript: the protos declare the field rules
// (buf.validate, enforced by the kit's validation before any handler runs); these are the rules
// a proto cannot state natively, and the normal forms handlers store.
import { checkEach } from "./error-details/index.js";
import { invalidArgument } from "./rpc-error.js";

/**
 * The normal form of an id the rules already found to be a UUID: lower case, so `3F25…` and
 * `3f25…` are one row.
 */
export function canonicalId(id: string): string {
  return id.toLowerCase();
}

/** `value` if it is not empty; for a field the proto may leave empty only for some callers. */
export function requirePresent(field: string, value: string): string {
  if (value === "") throw invalidArgument(field, "is required");
  return value;
}

/**
 * Order lines whose product ids are canonical, each product at most once (DUPLICATE_ITEM naming
 * the repeated line, e.g. `items[2].product_id: product 3f… is listed twice`, every repeat at
 * once). A message list's uniqueness by one field would be a CEL rule per call; this is a Set.
 */
export function distinctItems<Item extends { productId: string }>(
  field: string,
  items: readonly Item[],
): Item[] {
  const seen = new Set<string>();
  return checkEach(items, (item, index) => {
    const productId = canonicalId(item.productId);
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
