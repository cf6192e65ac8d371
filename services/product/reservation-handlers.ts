import type { ReservationService } from "../gen/shopmesh/inventory/v1/reservation_service_pb.js";
import { canonicalId, distinctItems, type ServiceHandlers } from "../kit/index.js";
import type { StockLine, StockStore } from "./stock-store.js";

/** What ReserveStock reads, whichever service's message carries it. */
interface ReserveRequest {
  readonly orderId: string;
  readonly items: readonly StockLine[];
}

/**
 * The reservation rules, once: the ReservationService and the deprecated ProductService methods
 * of the same names both answer with these (same checks, same errors, same store). The field
 * rules (UUIDs, 1 to 100 items, quantities) are both protos', checked before these run.
 */
export function reservationRules(stock: StockStore) {
  return {
    async reserveStock(request: ReserveRequest) {
      const orderId = canonicalId(request.orderId);
      const items = distinctItems("items", request.items);
      return { orderId, items: await stock.reserve(orderId, items) };
    },

    async releaseStock(request: { readonly orderId: string }) {
      const orderId = canonicalId(request.orderId);
      return { orderId, returnedItems: await stock.release(orderId) };
    },
  };
}

/** The internal ReservationService over the stock store. */
export function reservationHandlers(stock: StockStore): ServiceHandlers<typeof ReservationService> {
  const rules = reservationRules(stock);
  return {
    reserveStock: (request) => rules.reserveStock(request),
    releaseStock: (request) => rules.releaseStock(request),
  };
}
