import { type Order, OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import type { Product } from "../../services/gen/shopmesh/product/v1/product_service_pb.js";
import type { Cart } from "./cart.js";
import { formatMoney } from "./money.js";

/** The element with `id`; the page is static, so a missing one is a bug in index.html. */
export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/** An element with text and attributes (text, never HTML: nothing a server says is markup). */
export function element(
  tag: string,
  text = "",
  attributes: Record<string, string> = {},
): HTMLElement {
  const made = document.createElement(tag);
  made.textContent = text;
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  return made;
}

/** Shows the outcome of the last action, with its trace id. */
export function showMessage(kind: "ok" | "error", text: string, traceId: string): void {
  const message = byId("message");
  message.className = kind;
  message.replaceChildren(element("span", text));
  if (traceId) message.append(" ", element("span", `trace ${traceId}`, { class: "trace" }));
}

/** The product table: name, price, stock, and an add button for what is in stock. */
export function renderProducts(products: readonly Product[], signedIn: boolean): void {
  const rows = products.map((product) => {
    const row = element("tr", "", { "data-product-id": product.id });
    row.append(
      element("td", product.name),
      element("td", formatMoney(product.price)),
      element("td", String(product.stock), { class: "stock" }),
    );
    const add = element("button", "Add to cart", {
      type: "button",
      "data-add": product.id,
      "aria-label": `Add ${product.name} to cart`,
    }) as HTMLButtonElement;
    add.disabled = !signedIn || product.stock <= 0;
    const cell = element("td");
    cell.append(add);
    row.append(cell);
    return row;
  });
  byId("products")
    .querySelector("tbody")
    ?.replaceChildren(...rows);
}

/** The cart's lines, its total and whether it can be ordered. */
export function renderCart(cart: Cart, prices: ReadonlyMap<string, Product>, busy: boolean): void {
  const lines = [...cart.lines.values()].map((line) => {
    const item = element("li", `${line.quantity} × ${line.name} `);
    item.append(
      element("button", "Remove", {
        type: "button",
        "data-remove": line.productId,
        "aria-label": `Remove ${line.name}`,
      }),
    );
    return item;
  });
  byId("cart").replaceChildren(...lines);
  const currencies = new Set<string>();
  let minorUnits = 0n;
  for (const line of cart.lines.values()) {
    const price = prices.get(line.productId)?.price;
    if (!price) continue;
    currencies.add(price.currencyCode);
    minorUnits += price.minorUnits * BigInt(line.quantity);
  }
  const [currencyCode] = currencies;
  byId("cart-total").textContent =
    currencies.size > 1
      ? "mixed currencies"
      : currencyCode
        ? formatMoney({ currencyCode, minorUnits } as Parameters<typeof formatMoney>[0])
        : "–";
  byId<HTMLButtonElement>("place-order").disabled = busy || cart.lines.size === 0;
}

const statusNames: Readonly<Record<OrderStatus, string>> = {
  [OrderStatus.UNSPECIFIED]: "unknown",
  [OrderStatus.PENDING]: "pending",
  [OrderStatus.CONFIRMED]: "confirmed",
  [OrderStatus.CANCELLED]: "cancelled",
  [OrderStatus.CANCELLING]: "cancelling",
};

/** An order status as the page shows it. */
export function statusName(status: OrderStatus): string {
  return statusNames[status] ?? "unknown";
}

/** The signed-in user's orders, newest first, with a cancel button on confirmed ones. */
export function renderOrders(orders: readonly Order[], names: ReadonlyMap<string, Product>): void {
  const rows = orders.map((order) => {
    const row = element("tr", "", { "data-order-id": order.id });
    const items = order.items
      .map((item) => `${item.quantity} × ${names.get(item.productId)?.name ?? item.productId}`)
      .join(", ");
    row.append(
      element("td", order.id.slice(0, 8), { title: order.id }),
      element("td", items),
      element("td", formatMoney(order.total)),
      element("td", statusName(order.status), { class: "status" }),
    );
    const cell = element("td");
    if (order.status === OrderStatus.CONFIRMED) {
      cell.append(
        element("button", "Cancel", {
          type: "button",
          "data-cancel": order.id,
          "aria-label": `Cancel order ${order.id.slice(0, 8)}`,
        }),
      );
    }
    row.append(cell);
    return row;
  });
  byId("orders")
    .querySelector("tbody")
    ?.replaceChildren(...rows);
}
