import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OrderFixture,
  orderFixture,
  quietLogger,
  testContext,
} from "../../test/support/order-fixture.js";
import { runForCall } from "../kit/call-scope.js";
import { type CallContext, RpcError, Status, unavailable } from "../kit/index.js";
import { CallerGaveUp } from "../kit/status-semantics.js";
import { type OrderDependencies, OrderPlacement } from "./place-order.js";

// Real user and product services (in this process, over loopback gRPC) and real databases,
// reached through the production client layer (retries, breakers, deadlines).
let shop: OrderFixture;
let userId: string;
const context = testContext;
const logger = quietLogger;

beforeAll(async () => {
  shop = await orderFixture("place");
  userId = await shop.user();
});
afterAll(() => shop.close());

const product = (stock: number, currencyCode = "EUR", minorUnits = 250n) =>
  shop.product(stock, currencyCode, minorUnits);
const stockOf = (id: string) => shop.stockOf(id);
// Overrides wrap the production clients: a test fails one call while the rest stay real.
const placement = (overrides: Partial<OrderDependencies["reservations"]> = {}) => {
  const { reservations } = shop.dependencies;
  return new OrderPlacement(
    shop.store,
    { ...shop.dependencies, reservations: { ...reservations, ...overrides } },
    logger,
  );
};
const orderCount = async () =>
  Number((await shop.orderPool.query("SELECT count(*) AS n FROM orders")).rows[0].n);

describe("OrderPlacement.place", () => {
  it("prices the order, takes the stock and confirms", async () => {
    const a = await product(10, "EUR", 250n);
    const b = await product(10, "EUR", 1_000n);
    const order = await placement().place(
      {
        requestId: randomUUID(),
        userId,
        items: [
          { productId: a, quantity: 2 },
          { productId: b, quantity: 1 },
        ],
      },
      context,
    );
    expect(order.status).toBe("confirmed");
    expect(order.totalMinorUnits).toBe(1_500n);
    expect(order.items.map((item) => item.unitPriceMinorUnits)).toEqual([250n, 1_000n]);
    expect([await stockOf(a), await stockOf(b)]).toEqual([8, 9]);
  });

  it("returns the same order for a replayed request_id, also under concurrency", async () => {
    const id = await product(10);
    const request = { requestId: randomUUID(), userId, items: [{ productId: id, quantity: 3 }] };
    const orders = await Promise.all(
      Array.from({ length: 8 }, () => placement().place(request, context)),
    );
    expect(new Set(orders.map((order) => order.id)).size).toBe(1);
    expect(await stockOf(id)).toBe(7);
    await expect(
      placement().place({ ...request, items: [{ productId: id, quantity: 4 }] }, context),
    ).rejects.toMatchObject({ code: Status.ALREADY_EXISTS });
  });

  it("scopes request_id to its user: two users may both use order-1", async () => {
    const id = await product(10);
    const otherUser = await shop.user();
    const items = [{ productId: id, quantity: 1 }];
    const mine = await placement().place({ requestId: "order-1", userId, items }, context);
    const theirs = await placement().place(
      { requestId: "order-1", userId: otherUser, items },
      context,
    );
    expect(theirs.id).not.toBe(mine.id);
    expect([mine.status, theirs.status]).toEqual(["confirmed", "confirmed"]);
    expect(theirs.userId).toBe(otherUser);
    expect(await stockOf(id)).toBe(8);
    // Within one user the key still names one order.
    await expect(
      placement().place(
        { requestId: "order-1", userId, items: [{ productId: id, quantity: 2 }] },
        context,
      ),
    ).rejects.toMatchObject({ code: Status.ALREADY_EXISTS });
    expect((await placement().place({ requestId: "order-1", userId, items }, context)).id).toBe(
      mine.id,
    );
  });

  it("answers a replay of a placed order even when the lookups now fail", async () => {
    const id = await product(10);
    const request = { requestId: randomUUID(), userId, items: [{ productId: id, quantity: 1 }] };
    const placed = await placement().place(request, context);
    const down = async () => {
      throw unavailable("product service unavailable: down");
    };
    const lookupsDown = new OrderPlacement(
      shop.store,
      { ...shop.dependencies, products: { batchGetProducts: down } },
      logger,
    );
    const replayed = await lookupsDown.place(request, context);
    expect(replayed.id).toBe(placed.id);
    expect(await stockOf(id)).toBe(9);
  });

  it("retries reads the product service failed for a moment (the production client layer)", async () => {
    const id = await product(10);
    shop.failNext("BatchGetProducts", unavailable("restarting"), 2);
    const order = await placement().place(
      { requestId: randomUUID(), userId, items: [{ productId: id, quantity: 1 }] },
      context,
    );
    expect(order.status).toBe("confirmed");
    expect(await stockOf(id)).toBe(9);
  });

  it("keeps nothing when stock is short", async () => {
    const id = await product(1);
    const before = await orderCount();
    await expect(
      placement().place(
        { requestId: randomUUID(), userId, items: [{ productId: id, quantity: 2 }] },
        context,
      ),
    ).rejects.toMatchObject({ code: Status.FAILED_PRECONDITION });
    expect(await orderCount()).toBe(before);
    expect(await stockOf(id)).toBe(1);
  });

  it("refuses mixed currencies before reserving anything", async () => {
    const eur = await product(5, "EUR");
    const usd = await product(5, "USD");
    await expect(
      placement().place(
        {
          requestId: randomUUID(),
          userId,
          items: [
            { productId: eur, quantity: 1 },
            { productId: usd, quantity: 1 },
          ],
        },
        context,
      ),
    ).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: expect.stringMatching(/^items: /),
    });
    expect([await stockOf(eur), await stockOf(usd)]).toEqual([5, 5]);
  });

  it("reports an unknown user or product as NOT_FOUND", async () => {
    const id = await product(5);
    const ghost = randomUUID();
    const place = (who: string, what: string) =>
      placement().place(
        { requestId: randomUUID(), userId: who, items: [{ productId: what, quantity: 1 }] },
        context,
      );
    await expect(place(ghost, id)).rejects.toMatchObject({
      code: Status.NOT_FOUND,
      message: `user ${ghost} not found`,
    });
    await expect(place(userId, ghost)).rejects.toMatchObject({
      code: Status.NOT_FOUND,
      message: `product ${ghost} not found`,
    });
  });

  it("gives the stock back when the reservation's answer is lost", async () => {
    const id = await product(10);
    const before = await orderCount();
    const lostAnswer = placement({
      reserveStock: async (request, options) => {
        await shop.dependencies.reservations.reserveStock(request, options);
        throw unavailable("product service unavailable: connection reset");
      },
    });
    await expect(
      lostAnswer.place(
        { requestId: randomUUID(), userId, items: [{ productId: id, quantity: 4 }] },
        context,
      ),
    ).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(await stockOf(id)).toBe(10);
    expect(await orderCount()).toBe(before);
  });

  it("leaves an unreleasable order to recovery, which gives the stock back later", async () => {
    const id = await product(10);
    const requestId = randomUUID();
    let productServiceDown = true;
    const flaky = placement({
      reserveStock: async (request, options) => {
        await shop.dependencies.reservations.reserveStock(request, options);
        throw unavailable("product service unavailable");
      },
      releaseStock: async (request, options) => {
        if (productServiceDown) throw unavailable("product service unavailable");
        return shop.dependencies.reservations.releaseStock(request, options);
      },
    });
    await expect(
      flaky.place({ requestId, userId, items: [{ productId: id, quantity: 4 }] }, context),
    ).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(await stockOf(id)).toBe(6); // reserved, not yet given back
    const unsettled = await shop.store.claimUnsettled(60_000, 60_000);
    expect(unsettled?.status).toBe("abandoned");

    productServiceDown = false;
    await flaky.recover(String(unsettled?.id));
    expect(await stockOf(id)).toBe(10);
    expect(await shop.store.findByRequestId(userId, requestId)).toBeUndefined();
    // The request_id is free again: a retry places the order for real.
    const retried = await placement().place(
      { requestId, userId, items: [{ productId: id, quantity: 4 }] },
      context,
    );
    expect(retried.status).toBe("confirmed");
    expect(await stockOf(id)).toBe(6);
  });
  it("starts afresh when the reconciler abandons the order it is placing", async () => {
    const id = await product(10);
    const requestId = randomUUID();
    let raced = false;
    // The reconciler takes the pending order (as after a crash) just before its reservation.
    const racing: OrderPlacement = placement({
      reserveStock: async (request, options) => {
        if (!raced) {
          raced = true;
          await racing.recover(String(request.orderId));
        }
        return shop.dependencies.reservations.reserveStock(request, options);
      },
    });
    const order = await racing.place(
      { requestId, userId, items: [{ productId: id, quantity: 2 }] },
      context,
    );
    expect(raced).toBe(true);
    expect(order.status).toBe("confirmed");
    expect((await shop.store.findByRequestId(userId, requestId))?.id).toBe(order.id);
    expect(await stockOf(id)).toBe(8);
  });
});

describe("OrderPlacement.place for a caller that goes away", () => {
  // Issue 11 item 5: queries are bounded by the caller, but compensation must outlive it.
  it("gives the stock back at once when the caller's deadline passes during the reservation", async () => {
    const id = await product(10);
    const before = await orderCount();
    const controller = new AbortController();
    const caller: CallContext = {
      ...context,
      deadline: Date.now() + 60_000,
      signal: controller.signal,
    };
    const callerGone = placement({
      reserveStock: async (request, options) => {
        await shop.dependencies.reservations.reserveStock(request, options);
        // The caller's deadline passes while the answer travels back, as grpc-js reports it.
        controller.abort(new RpcError(Status.DEADLINE_EXCEEDED, "deadline exceeded"));
        throw new CallerGaveUp(Status.DEADLINE_EXCEEDED, "caller's deadline passed");
      },
    });
    const request = { requestId: randomUUID(), userId, items: [{ productId: id, quantity: 3 }] };
    await expect(runForCall(caller, () => callerGone.place(request, caller))).rejects.toMatchObject(
      { code: Status.DEADLINE_EXCEEDED },
    );
    // Not left to the reconciler: abandoned, released and deleted within the call.
    expect(await stockOf(id)).toBe(10);
    expect(await orderCount()).toBe(before);
  });
});
