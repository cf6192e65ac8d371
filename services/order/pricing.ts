import { invalidArgument } from "../kit/index.js";
import type { OrderLine } from "./order-store.js";

/** What pricing needs to know of a product. */
export interface PricedProduct {
  readonly id: string;
  readonly price?: { readonly currencyCode: string; readonly minorUnits: bigint } | undefined;
}

/** An order's lines with unit prices, and its total. */
export interface PricedOrder {
  readonly currency: string;
  readonly totalMinorUnits: bigint;
  readonly items: OrderLine[];
}

const maxInt64 = 2n ** 63n - 1n;

/**
 * Prices the requested lines with the current product prices. One currency per order: mixing
 * currencies is the caller's mistake (INVALID_ARGUMENT), not something to convert silently.
 */
export function priceOrder(
  lines: readonly { productId: string; quantity: number }[],
  products: readonly PricedProduct[],
): PricedOrder {
  const byId = new Map(products.map((product) => [product.id, product]));
  const currencies = new Set<string>();
  let total = 0n;
  const items = lines.map((line) => {
    const price = byId.get(line.productId)?.price;
    if (!price) throw new Error(`no price for product ${line.productId}`);
    currencies.add(price.currencyCode);
    total += price.minorUnits * BigInt(line.quantity);
    return { ...line, unitPriceMinorUnits: price.minorUnits };
  });
  if (currencies.size > 1) {
    const found = [...currencies].sort().join(", ");
    throw invalidArgument(
      "items",
      `all products of one order must share a currency, found ${found}`,
      "MIXED_CURRENCIES",
      { currencies: found },
    );
  }
  if (total > maxInt64) {
    throw invalidArgument("items", "order total is too large", "TOTAL_TOO_LARGE");
  }
  const [currency = ""] = currencies;
  return { currency, totalMinorUnits: total, items };
}
