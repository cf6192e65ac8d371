import { invalidArgument } from "../rpc-error.js";

/** A list's order: one field, ascending or descending. */
export interface ListOrder {
  readonly field: string;
  readonly descending: boolean;
}

/**
 * Reads an AIP-132 `order_by` that names one of `fields`, optionally followed by `desc` (or
 * `asc`); empty is `defaultField` ascending. More fields, or any other field, is
 * INVALID_ARGUMENT naming what the list can be ordered by.
 */
export function parseOrderBy(
  orderBy: string,
  fields: readonly string[],
  defaultField: string,
): ListOrder {
  const words = orderBy.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { field: defaultField, descending: false };
  const [field, direction, ...rest] = words;
  const supported = fields.map((name) => `"${name}" or "${name} desc"`).join(", ");
  if (orderBy.includes(",") || rest.length > 0) {
    throw invalidArgument(
      "order_by",
      `must name one field; supported: ${supported}`,
      "INVALID_ORDER_BY",
    );
  }
  if (!field || !fields.includes(field)) {
    throw invalidArgument(
      "order_by",
      `cannot order by "${field}"; supported: ${supported}`,
      "INVALID_ORDER_BY",
    );
  }
  if (direction !== undefined && direction !== "asc" && direction !== "desc") {
    throw invalidArgument(
      "order_by",
      `"${direction}" is not a direction; use "desc" (or "asc", the default)`,
      "INVALID_ORDER_BY",
    );
  }
  return { field, descending: direction === "desc" };
}
