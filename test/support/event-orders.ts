import { randomUUID } from "node:crypto";
import type { EventMesh } from "./event-mesh.js";
import { readStream } from "./event-stream-reader.js";

// What the event delivery tests read back: summaries as the orders table and as GetUser say
// them, one order's event, and how often the broker stored it.

/** A user's purchase summary in comparable form (amounts as strings, by currency). */
export type Summary = { confirmed: number; cancelled: number; spent: Record<string, string> };

/** Each user's summary as the orders table says it must be. */
export async function summariesFromOrders(events: EventMesh): Promise<Record<string, Summary>> {
  const { rows } = await events.orders.query<{
    user_id: string;
    status: string;
    currency: string;
    total: string;
  }>("SELECT user_id, status, currency, total_minor_units::text AS total FROM orders");
  const expected: Record<string, Summary> = {};
  for (const row of rows) {
    const summary = expected[row.user_id] ?? { confirmed: 0, cancelled: 0, spent: {} };
    expected[row.user_id] = summary;
    if (row.status === "cancelled") summary.cancelled++;
    if (row.status !== "confirmed") continue;
    summary.confirmed++;
    summary.spent[row.currency] = String(
      BigInt(summary.spent[row.currency] ?? 0) + BigInt(row.total),
    );
  }
  return expected;
}

/** Each of `userIds`' summary as GetUser returns it (users who bought nothing left out). */
export async function summariesFromUsers(
  events: EventMesh,
  userIds: readonly string[],
): Promise<Record<string, Summary>> {
  const result: Record<string, Summary> = {};
  for (const id of userIds) {
    const user = await events.shop.clients.users.getUser({ id });
    const summary = user.purchaseSummary;
    if (!summary || (summary.confirmedOrders === 0 && summary.cancelledOrders === 0)) continue;
    result[id] = {
      confirmed: summary.confirmedOrders,
      cancelled: summary.cancelledOrders,
      spent: Object.fromEntries(summary.spent.map((m) => [m.currencyCode, String(m.minorUnits)])),
    };
  }
  return result;
}

/**
 * Places one order for `userId` and returns its id, even when the service dies answering. A
 * refusal is retried with the same request_id (idempotent), as a client would: right after a
 * restart the order service's channel to the user service may still be backing off.
 */
export async function placeFor(
  events: EventMesh,
  userId: string,
  productId: string,
): Promise<string> {
  const requestId = randomUUID();
  const items = [{ productId, quantity: 1 }];
  let lastError: unknown;
  for (const giveUpAt = Date.now() + 15_000; Date.now() < giveUpAt; ) {
    lastError = await events.shop.clients.orders.createOrder({ requestId, userId, items }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const { rows } = await events.orders.query<{ id: string }>(
      "SELECT id FROM orders WHERE request_id = $1 AND status = 'confirmed'",
      [requestId],
    );
    if (rows[0]) return rows[0].id;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the order was not placed: ${String(lastError)}`);
}

/** The signal `service`'s current process ends with. */
export function exitOf(
  events: EventMesh,
  service: "order" | "user",
): Promise<NodeJS.Signals | null> {
  const child = events.shop.mesh.process(service);
  if (!child) throw new Error(`${service} is not running`);
  return new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
}

/** The user's standing confirmed orders, as GetUser says. */
export async function confirmedOf(events: EventMesh, userId: string): Promise<number> {
  const user = await events.shop.clients.users.getUser({ id: userId });
  return user.purchaseSummary?.confirmedOrders ?? 0;
}

/** The order's (confirmation) event in the outbox: its id and whether it was marked sent. */
export async function eventOf(
  events: EventMesh,
  orderId: string,
): Promise<{ event_id: string; sent: boolean }> {
  const { rows } = await events.orders.query(
    "SELECT event_id, sent_at IS NOT NULL AS sent FROM order_outbox WHERE order_id = $1",
    [orderId],
  );
  return rows[0];
}

/** How many times the broker's stream holds the event. */
export async function storedTimes(events: EventMesh, eventId: string): Promise<number> {
  const stored = await readStream(events.nats.url, "ORDER_EVENTS");
  return stored.filter((e) => e.eventId === eventId).length;
}
