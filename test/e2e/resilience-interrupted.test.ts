import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { meshLogsWritten } from "../support/logs.js";
import {
  heldCallMs,
  restartingTestTimeoutMs,
  timed,
  useResilienceMesh,
} from "../support/resilience-mesh.js";

// The order service killed in the middle of a call, at a known step (the product service holds
// the call it is waiting for): nothing is resent by the mesh, a replay is safe, and the
// reconciler finishes what was interrupted.
const shop = useResilienceMesh("interrupted");

describe("when the order service dies mid-way", () => {
  it(
    "never resends CreateOrder by itself; replaying its request_id is safe",
    async () => {
      const { id, requestId } = await killOrderServiceHolding(
        "ReserveStock",
        async () => {
          const id = await shop.product(10);
          const requestId = randomUUID();
          return { id, requestId, call: shop.order(id, requestId, heldCallMs) };
        },
        // Killed after the pending order was recorded, before its reservation was answered.
        async ({ requestId }) => expect(await ordersOf(requestId)).toEqual(["pending"]),
      );
      const createOrdersBefore = createOrderCalls();
      const replayed = await shop.order(id, requestId);
      const again = await shop.order(id, requestId);
      expect(again.id).toBe(replayed.id);
      expect(replayed.status).toBe(OrderStatus.CONFIRMED);
      expect((await shop.testMesh.clients.products.getProduct({ id })).stock).toBe(9);
      // The restarted order service served exactly the two calls this test sent: nothing in the
      // mesh resent the interrupted CreateOrder.
      await meshLogsWritten(shop.testMesh, ["order"]);
      expect(createOrderCalls() - createOrdersBefore).toBe(2);
    },
    restartingTestTimeoutMs,
  );

  it(
    "finishes a cancellation whose order service died mid-way",
    async () => {
      const id = await shop.product(10);
      const placed = await shop.order(id);
      const { orderId } = await killOrderServiceHolding(
        "ReleaseStock",
        async () => ({
          orderId: placed.id,
          call: shop.testMesh.clients.orders.cancelOrder(
            { id: placed.id },
            { timeoutMs: heldCallMs },
          ),
        }),
        // Killed after the intent was recorded, before the stock release was answered.
        async ({ orderId }) => expect(await statusInDatabase(orderId)).toBe("cancelling"),
      );
      await expect
        .poll(async () => (await shop.testMesh.clients.orders.getOrder({ id: orderId })).status, {
          timeout: 15_000,
        })
        .toBe(OrderStatus.CANCELLED);
      expect((await shop.testMesh.clients.products.getProduct({ id })).stock).toBe(10);
    },
    restartingTestTimeoutMs,
  );
});

/**
 * Makes the product service hold every call of `method`, starts the order service with
 * deadlines longer than the hold, runs `begin` (whose call reaches `method`), waits until the
 * product service holds that call (a known step, not a guess), checks `atKill` there, then
 * SIGKILLs the order service. Afterwards both run normally again. Returns what `begin` returned.
 */
async function killOrderServiceHolding<T extends { call: Promise<unknown> }>(
  method: string,
  begin: () => Promise<T>,
  atKill: (started: T) => Promise<void>,
): Promise<T> {
  await shop.restartProduct({ FAULT_INJECTION: JSON.stringify([{ method, delayMs: heldCallMs }]) });
  await shop.testMesh.mesh.stop("order");
  await shop.testMesh.mesh.start("order", { DOWNSTREAM_TIMEOUT_MS: String(heldCallMs) });
  const held = () =>
    shop.testMesh.output.filter(
      (line) =>
        line.startsWith("product: ") &&
        line.includes('"msg":"fault injected"') &&
        line.includes(`"method":"${method}"`),
    ).length;
  const heldBefore = held();
  const started = await begin();
  const outcome = timed(started.call);
  await expect.poll(held, { timeout: 15_000, interval: 50 }).toBe(heldBefore + 1);
  try {
    await atKill(started);
  } finally {
    await shop.testMesh.mesh.stop("order", "SIGKILL");
  }
  try {
    // The stream dies with the process: the client's runtime reports that as CANCELLED (the
    // stream was reset) or UNAVAILABLE (the connection was), never as an answer.
    expect([Code.Canceled, Code.Unavailable]).toContain((await outcome).error?.code);
  } finally {
    await shop.restartProduct();
    await shop.testMesh.mesh.start("order");
  }
  return started;
}

/** CreateOrder calls the order service has logged as served. */
function createOrderCalls(): number {
  return shop.testMesh.output.filter(
    (line) =>
      line.startsWith("order: ") && line.includes('"msg":"rpc') && line.includes("/CreateOrder"),
  ).length;
}

async function inOrdersDatabase<T>(sql: string, params: unknown[]): Promise<T[]> {
  const db = new pg.Client({ connectionString: shop.testMesh.databases.order.url });
  await db.connect();
  try {
    return (await db.query(sql, params)).rows as T[];
  } finally {
    await db.end();
  }
}

/** Statuses of this test user's orders with this request_id, as stored. */
async function ordersOf(requestId: string): Promise<string[]> {
  const rows = await inOrdersDatabase<{ status: string }>(
    "SELECT status FROM orders WHERE user_id = $1 AND request_id = $2",
    [shop.userId, requestId],
  );
  return rows.map((row) => row.status);
}

async function statusInDatabase(orderId: string): Promise<string | undefined> {
  const rows = await inOrdersDatabase<{ status: string }>(
    "SELECT status FROM orders WHERE id = $1",
    [orderId],
  );
  return rows[0]?.status;
}
