import { randomUUID } from "node:crypto";
import type { Mesh } from "../deploy/local/mesh.js";
import { shape } from "./bench-shape.js";
import { measureCase } from "./measure.js";
import type { CaseResult } from "./report.js";
import { clientsOf } from "./stack.js";
import { runUnaryLoad } from "./unary-load.js";

/** The user and the product every order of the bench is placed with. */
export interface OrderFixture {
  readonly userId: string;
  readonly productId: string;
}

/** CreateOrder driven by the Node client: saturation, then latency at the low fixed rate. */
export async function createOrderCase(
  name: string,
  mesh: Mesh,
  pids: Record<string, number>,
  fixture: OrderFixture,
): Promise<CaseResult> {
  const { orders } = clientsOf(mesh);
  const place = () =>
    orders.createOrder({
      requestId: randomUUID(),
      userId: fixture.userId,
      items: [{ productId: fixture.productId, quantity: 1 }],
    });
  const load = { concurrency: shape.concurrency, durationSeconds: shape.seconds };
  try {
    return await measureCase({
      name,
      pids,
      reps: shape.reps,
      saturate: () => runUnaryLoad(place, load),
      // CreateOrder's latency is compared at a low rate, with GetUser at the same rate.
      fixedRateOf: () => shape.lowRate,
      atRate: (rate) => runUnaryLoad(place, { ...load, rate }),
    });
  } finally {
    orders.close();
  }
}
