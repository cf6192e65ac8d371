import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type OrderFixture, orderFixture } from "../../test/support/order-fixture.js";
import { createLogger } from "../kit/index.js";
import { OrderCancellation } from "./cancel-order.js";
import { type OrderState, OrderStore } from "./order-store.js";
import { OrderPlacement } from "./place-order.js";
import { orderRepair, type Repair, startReconciler, sweep } from "./reconciler.js";

// The reconciler against a real orders database and real user/product services.
let shop: OrderFixture;
let userId: string;
const logger = createLogger("test", "silent");
const options = { intervalMs: 20, stalledMs: 0, leaseMs: 60_000 };

beforeAll(async () => {
  shop = await orderFixture("reconcile");
  userId = await shop.user();
});
afterAll(() => shop.close());

/**
 * An order left as a process killed mid-way would leave it: recorded, its stock reserved, and
 * then moved to `state` ('pending': killed before confirming; 'abandoned': compensation failed;
 * 'cancelling': killed during CancelOrder).
 */
async function unfinished(productId: string, state: OrderState, quantity = 1): Promise<string> {
  const id = randomUUID();
  await shop.store.insertPending({
    id,
    requestId: randomUUID(),
    requestFingerprint: "f",
    userId,
    currency: "EUR",
    totalMinorUnits: 0n,
    items: [{ productId, quantity, unitPriceMinorUnits: 0n }],
  });
  await shop.dependencies.reservations.reserveStock({
    orderId: id,
    items: [{ productId, quantity }],
  });
  if (state === "cancelling") await shop.store.transition(id, "pending", "confirmed");
  if (state !== "pending") {
    await shop.store.transition(id, state === "cancelling" ? "confirmed" : "pending", state);
  }
  return id;
}

/** The production repair over `store` (placements compensated, cancellations completed). */
function repairWith(store: OrderStore): Repair {
  const placement = new OrderPlacement(store, shop.dependencies, logger);
  return orderRepair(placement, new OrderCancellation(store, shop.dependencies.reservations));
}

async function clearBacklog(): Promise<void> {
  await sweep(shop.store, repairWith(shop.store), logger, options);
}

describe("a sweep", () => {
  it("compensates stalled and failed placements and completes cancellations", async () => {
    await clearBacklog();
    const productId = await shop.product(10);
    const pending = await unfinished(productId, "pending", 1);
    const abandoned = await unfinished(productId, "abandoned", 2);
    const cancelling = await unfinished(productId, "cancelling", 3);
    expect(await shop.stockOf(productId)).toBe(4);
    expect(await sweep(shop.store, repairWith(shop.store), logger, options)).toBe(3);
    expect(await shop.store.get(pending)).toBeUndefined();
    expect(await shop.store.get(abandoned)).toBeUndefined();
    expect((await shop.store.get(cancelling))?.status).toBe("cancelled");
    expect(await shop.stockOf(productId)).toBe(10);
  });

  it("leaves a pending order alone until it has stalled", async () => {
    await clearBacklog();
    const productId = await shop.product(10);
    const pending = await unfinished(productId, "pending");
    const repair = repairWith(shop.store);
    expect(await sweep(shop.store, repair, logger, { ...options, stalledMs: 60_000 })).toBe(0);
    expect((await shop.store.get(pending))?.status).toBe("pending");
    expect(await sweep(shop.store, repair, logger, options)).toBe(1);
  });

  it("goes on past an order that fails, and does not keep trying it first", async () => {
    await clearBacklog();
    const productId = await shop.product(10);
    const failing = await unfinished(productId, "abandoned");
    const others = [
      await unfinished(productId, "abandoned"),
      await unfinished(productId, "abandoned"),
    ];
    const real = repairWith(shop.store);
    const tried: string[] = [];
    const repair: Repair = async (order) => {
      tried.push(order.id);
      if (order.id === failing) throw new Error("product service unavailable");
      await real(order);
    };
    // One order per sweep: the failing one, first in line, must not be first again.
    expect(await sweep(shop.store, repair, logger, { ...options, maxPerSweep: 1 })).toBe(0);
    expect(await sweep(shop.store, repair, logger, { ...options, maxPerSweep: 1 })).toBe(1);
    expect(tried).toEqual([failing, others[0]]);
    // A full sweep repairs the rest and tries the failing one once.
    expect(await sweep(shop.store, repair, logger, options)).toBe(1);
    expect(tried.filter((id) => id === failing)).toHaveLength(2);
    for (const id of others) expect(await shop.store.get(id)).toBeUndefined();
    expect((await shop.store.get(failing))?.status).toBe("abandoned");
    expect(await shop.stockOf(productId)).toBe(9);
    await clearBacklog();
    expect(await shop.stockOf(productId)).toBe(10);
  });
});

describe("the running reconciler", () => {
  it("never overlaps sweeps, and stop() waits for the one in flight", async () => {
    await clearBacklog();
    const productId = await shop.product(10);
    await unfinished(productId, "abandoned");
    await unfinished(productId, "abandoned");
    const real = repairWith(shop.store);
    let entered!: () => void;
    const inRepair = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let active = 0;
    let maxActive = 0;
    let repairs = 0;
    const repair: Repair = async (order) => {
      active++;
      maxActive = Math.max(maxActive, active);
      entered();
      await gate; // the first repair holds its sweep until the test opens the gate
      await real(order);
      repairs++;
      active--;
    };
    // Every sweep starts with a claim: counting claims counts sweeps (and orders in them).
    let claims = 0;
    const store = new Proxy(shop.store, {
      get(target, name, receiver) {
        if (name === "claimUnsettled") claims++;
        const value = Reflect.get(target, name, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    // Only the reconciler's schedule runs on virtual time: intervals pass exactly and at once,
    // while the database answers in real time.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const reconciler = startReconciler(store, repair, logger, options);
      expect(claims).toBe(0);
      await vi.advanceTimersByTimeAsync(options.intervalMs);
      await inRepair;
      expect(claims).toBe(1);
      // Ten intervals pass while the sweep is held: no other sweep starts.
      await vi.advanceTimersByTimeAsync(10 * options.intervalMs);
      expect(claims).toBe(1);
      let stopped = false;
      const stopping = reconciler.stop().then(() => {
        stopped = true;
      });
      // And ten more after stop(): it still waits for the sweep in hand.
      await vi.advanceTimersByTimeAsync(10 * options.intervalMs);
      expect(stopped).toBe(false);
      open();
      await stopping;
      // The sweep ended after the order in hand (stop asked); nothing ran after stop() returned.
      expect(repairs).toBe(1);
      expect(maxActive).toBe(1);
      await vi.advanceTimersByTimeAsync(5 * options.intervalMs);
      expect(claims).toBe(1);
      expect(repairs).toBe(1);
    } finally {
      vi.useRealTimers();
    }
    await clearBacklog();
    expect(await shop.stockOf(productId)).toBe(10);
  });

  it("two replicas on their own pools share a backlog: each order repaired exactly once", async () => {
    await clearBacklog();
    const productId = await shop.product(1_000);
    const states: OrderState[] = ["pending", "abandoned", "cancelling"];
    const backlog = new Set<string>();
    for (let n = 0; n < 45; n++) {
      backlog.add(await unfinished(productId, states[n % 3] as OrderState, 1 + (n % 4)));
    }
    const repaired = new Map<string, number>();
    const byReplica = [0, 0];
    const replica = (index: number) => {
      const store = new OrderStore(shop.openOrderPool());
      const real = repairWith(store);
      const repair: Repair = async (order) => {
        repaired.set(order.id, (repaired.get(order.id) ?? 0) + 1);
        byReplica[index] = (byReplica[index] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, 2)); // let the other replica in
        await real(order);
      };
      return sweep(store, repair, logger, options);
    };
    const [a, b] = await Promise.all([replica(0), replica(1)]);
    expect(a + b).toBe(backlog.size);
    expect([...backlog].filter((id) => repaired.get(id) !== 1)).toEqual([]);
    expect(byReplica.every((count) => count > 0)).toBe(true);
    expect(await shop.stockOf(productId)).toBe(1_000);
  });
});
