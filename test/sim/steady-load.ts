import { randomUUID } from "node:crypto";
import type { OrderService } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import type { RpcError, ServiceClient } from "../../services/kit/index.js";

/** How one call of the load ended. */
export interface LoadOutcome {
  readonly requestId: string;
  readonly at: number;
  readonly error?: RpcError;
}

/** A running load: what ended so far, a wait for the next calls to end, and its stop. */
export interface SteadyLoad {
  readonly outcomes: LoadOutcome[];
  /** Resolves once `count` more calls have ended (succeeded or failed) than had so far; else stops the load and rejects. */
  ended(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<LoadOutcome[]>;
}

/**
 * Places orders continuously (`concurrency` callers, each as soon as its last call ended, at most
 * one call per `pauseMs`), until stopped; every request has its own request_id.
 */
export function steadyOrders(
  orders: Pick<ServiceClient<typeof OrderService>, "createOrder">,
  order: { userId: string; productId: string },
  options: { concurrency: number; pauseMs: number },
): SteadyLoad {
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
    ended: async (count, timeoutMs = 20_000) => {
      const target = outcomes.length + count;
      const giveUpAt = Date.now() + timeoutMs;
      while (outcomes.length < target) {
        if (Date.now() > giveUpAt) {
          // A load left running would go on into the next test, whose ledger then never settles.
          running = false;
          throw new Error(`only ${count - (target - outcomes.length)} of ${count} calls ended`);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    stop: async () => {
      running = false;
      await Promise.all(callers);
      return outcomes;
    },
  };
}
