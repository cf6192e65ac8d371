import { randomUUID } from "node:crypto";
import type { OrderService } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import type { RpcError, ServiceClient } from "../../services/kit/index.js";

/** How one call of the load ended. */
export interface LoadOutcome {
  readonly requestId: string;
  readonly at: number;
  readonly error?: RpcError;
}

/**
 * Places orders continuously (`concurrency` callers, each as soon as its last call ended, at most
 * one call per `pauseMs`), until stopped; every request has its own request_id.
 */
export function steadyOrders(
  orders: Pick<ServiceClient<typeof OrderService>, "createOrder">,
  order: { userId: string; productId: string },
  options: { concurrency: number; pauseMs: number },
): { stop(): Promise<LoadOutcome[]>; outcomes: LoadOutcome[] } {
  const outcomes: LoadOutcome[] = [];
  let running = true;
  const caller = async () => {
    while (running) {
      const requestId = randomUUID();
      try {
        await orders.createOrder({
          requestId,
          userId: order.userId,
          items: [{ productId: order.productId, quantity: 1 }],
        });
        outcomes.push({ requestId, at: Date.now() });
      } catch (error) {
        outcomes.push({ requestId, at: Date.now(), error: error as RpcError });
      }
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  const callers = Array.from({ length: options.concurrency }, caller);
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(callers);
      return outcomes;
    },
  };
}
