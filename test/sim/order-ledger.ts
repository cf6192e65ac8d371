import {
  type OrderService,
  OrderStatus,
} from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import type { ProductService } from "../../services/gen/shopmesh/product/v1/product_service_pb.js";
import type { ServiceClient } from "../../services/kit/index.js";

/** Orders still on their way, and products whose stock does not match their confirmed orders. */
export interface Ledger {
  readonly orders: number;
  readonly unsettled: number;
  readonly mismatches: readonly string[];
}

/**
 * Reads every order and every product whose SKU starts with `skuPrefix` (those `shopmesh load`
 * creates, with `initialStock` each): no order lost means none stays PENDING or CANCELLING, and
 * each product's stock taken equals the units of its CONFIRMED orders.
 */
export async function orderLedger(
  orders: Pick<ServiceClient<typeof OrderService>, "listOrders">,
  products: Pick<ServiceClient<typeof ProductService>, "listProducts">,
  skuPrefix: string,
  initialStock: number,
): Promise<Ledger> {
  const sold = new Map<string, number>();
  let unsettled = 0;
  let count = 0;
  let pageToken = "";
  do {
    const page = await orders.listOrders({ pageSize: 1000, pageToken });
    for (const order of page.orders) {
      count++;
      if (order.status === OrderStatus.PENDING || order.status === OrderStatus.CANCELLING)
        unsettled++;
      if (order.status !== OrderStatus.CONFIRMED) continue;
      for (const item of order.items)
        sold.set(item.productId, (sold.get(item.productId) ?? 0) + item.quantity);
    }
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  const mismatches: string[] = [];
  pageToken = "";
  do {
    const page = await products.listProducts({ pageSize: 1000, pageToken });
    for (const product of page.products) {
      if (!product.sku.startsWith(skuPrefix)) continue;
      const taken = initialStock - product.stock;
      const confirmed = sold.get(product.id) ?? 0;
      if (taken !== confirmed)
        mismatches.push(`${product.sku}: ${taken} taken, ${confirmed} in confirmed orders`);
    }
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return { orders: count, unsettled, mismatches };
}
