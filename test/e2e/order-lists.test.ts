import { describe, expect, it } from "vitest";
import { OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { wireDetails } from "../support/error-details.js";
import { rpcFailure } from "../support/rpc-failure.js";
import { runCliOn } from "../support/test-mesh.js";
import { everyPage, idsOf, rfc3339, shoppersShop } from "./order-list-shoppers.js";

// What ListOrders' filter, order_by and page tokens return over the wire, as the operator lists
// (straight to the order service): real processes, PostgreSQL, gRPC.
const shop = shoppersShop("order_lists");

describe("ListOrders filter", () => {
  it("by user, as the filter, as the user_id field, or both", async () => {
    const filter = `user_id = "${shop.ada.id}"`;
    const expected = idsOf(shop.ada.placed);
    expect(idsOf((await shop.operator.listOrders({ filter })).orders)).toEqual(expected);
    expect(idsOf((await shop.operator.listOrders({ userId: shop.ada.id })).orders)).toEqual(
      expected,
    );
    expect(idsOf((await shop.operator.listOrders({ userId: shop.ada.id, filter })).orders)).toEqual(
      expected,
    );
    // Both given, naming two users: both hold for no order.
    const both = await shop.operator.listOrders({ userId: shop.bob.id, filter });
    expect(both.orders).toEqual([]);
  });

  it("by state (state or status, with or without the enum's prefix), joined with AND", async () => {
    const cancelled = await shop.operator.listOrders({
      filter: `user_id = "${shop.ada.id}" AND state = CANCELLED`,
    });
    expect(idsOf(cancelled.orders)).toEqual([shop.ada.placed[2]?.id]);
    expect(cancelled.orders[0]?.status).toBe(OrderStatus.CANCELLED);
    const confirmed = await shop.operator.listOrders({
      filter: `status = ORDER_STATUS_CONFIRMED AND user_id = "${shop.ada.id}"`,
    });
    expect(idsOf(confirmed.orders)).toEqual(idsOf(shop.ada.placed.filter((_, i) => i !== 2)));
    const notCancelled = await shop.operator.listOrders({ filter: "state != CANCELLED" });
    expect(notCancelled.orders.map((o) => o.status)).not.toContain(OrderStatus.CANCELLED);
    expect(notCancelled.orders).toHaveLength(7);
  });

  it("by creation time, to the microsecond", async () => {
    const second = rfc3339(shop.ada.placed[1]?.createTime);
    const user = `user_id = "${shop.ada.id}"`;
    const after = await shop.operator.listOrders({
      filter: `${user} AND create_time > "${second}"`,
    });
    expect(idsOf(after.orders)).toEqual(idsOf(shop.ada.placed.slice(2)));
    const upTo = await shop.operator.listOrders({
      filter: `${user} AND create_time <= "${second}"`,
    });
    expect(idsOf(upTo.orders)).toEqual(idsOf(shop.ada.placed.slice(0, 2)));
    const between = await shop.operator.listOrders({
      filter: `${user} AND create_time >= "${second}" AND create_time < "${rfc3339(shop.ada.placed[3]?.createTime)}"`,
    });
    expect(idsOf(between.orders)).toEqual(idsOf(shop.ada.placed.slice(1, 3)));
  });
});

describe("ListOrders order_by and pages", () => {
  it("lists newest first with create_time desc, page by page, nothing skipped or repeated", async () => {
    const all = [...shop.ada.placed, ...shop.bob.placed];
    const newestFirst = await everyPage(shop.operator, {
      orderBy: "create_time desc",
      pageSize: 3,
    });
    expect(newestFirst.ids).toEqual(idsOf(all).reverse());
    const oldestFirst = await everyPage(shop.operator, { pageSize: 3 });
    expect(oldestFirst.ids).toEqual(idsOf(all));
    expect((await everyPage(shop.operator, { orderBy: "create_time", pageSize: 2 })).ids).toEqual(
      idsOf(all),
    );
    const adaNewest = await everyPage(shop.operator, {
      filter: `user_id = "${shop.ada.id}"`,
      orderBy: "create_time desc",
      pageSize: 2,
    });
    expect(adaNewest.ids).toEqual(idsOf(shop.ada.placed).reverse());
  });

  it("gives opaque tokens: no readable position inside, and none forged from one", async () => {
    const { tokens } = await everyPage(shop.operator, { pageSize: 1 });
    expect(tokens).toHaveLength(7);
    for (const token of tokens) {
      const bytes = Buffer.from(token, "base64url");
      // Sealed: no text, no position in the clear.
      expect(bytes.length).toBeGreaterThan(40);
      const text = bytes.toString("latin1");
      expect(text).not.toMatch(/v1:|"[ts]":/);
      expect(() => JSON.parse(text)).toThrow();
    }
    // The same position sealed twice reads differently (a fresh nonce each time).
    const again = await shop.operator.listOrders({ pageSize: 1 });
    expect(again.nextPageToken).not.toBe(tokens[0]);
    for (const forged of [
      Buffer.from("v1:3").toString("base64url"),
      flipLastByte(tokens[0] as string),
      "not a token",
    ]) {
      const failure = await rpcFailure(() =>
        shop.operator.listOrders({ pageSize: 1, pageToken: forged }),
      );
      expect(failure.code).toBe("InvalidArgument");
      expect(failure.message).toBe("page_token: must be a next_page_token returned by this method");
    }
  });

  it("binds a token to its query: another filter or order_by is INVALID_ARGUMENT, another page size is not", async () => {
    const filter = `user_id = "${shop.ada.id}" AND state = CONFIRMED`;
    const first = await shop.operator.listOrders({ filter, pageSize: 2 });
    const pageToken = first.nextPageToken;
    expect(pageToken).not.toBe("");
    for (const other of [
      { filter: `user_id = "${shop.ada.id}"` },
      { filter: `user_id = "${shop.bob.id}" AND state = CONFIRMED` },
      { filter, orderBy: "create_time desc" },
      { filter, userId: shop.bob.id },
    ]) {
      const failure = await rpcFailure(() => shop.operator.listOrders({ ...other, pageToken }));
      expect(failure.code, JSON.stringify(other)).toBe("InvalidArgument");
      expect(failure.message).toMatch(/^page_token: was returned for another query/);
      expect(wireDetails(failure.error)).toMatchObject({
        reason: "PAGE_TOKEN_QUERY_MISMATCH",
        fieldViolations: [expect.objectContaining({ field: "page_token" })],
      });
    }
    // The same query written differently is the same query; the page size may change (AIP-158).
    const next = await shop.operator.listOrders({
      filter: `state=CONFIRMED   AND  user_id="${shop.ada.id}"`,
      pageSize: 10,
      pageToken,
    });
    const confirmed = shop.ada.placed.filter((order) => order.status === OrderStatus.CONFIRMED);
    expect(idsOf(next.orders)).toEqual(idsOf(confirmed).slice(2));
  });
});

describe("shopmesh order list", () => {
  it("passes --filter and --order-by", async () => {
    const listed = await runCliOn(shop.edge.shop, [
      ...["order", "list", "--filter", `user_id = "${shop.ada.id}" AND state = CONFIRMED`],
      ...["--order-by", "create_time desc"],
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    const confirmed = shop.ada.placed.filter((order) => order.status === OrderStatus.CONFIRMED);
    const printed = JSON.parse(listed.stdout) as { orders: { id: string }[] };
    expect(printed.orders.map((order) => order.id)).toEqual(idsOf(confirmed).reverse());
  });
});

function flipLastByte(token: string): string {
  const bytes = Buffer.from(token, "base64url");
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
  return bytes.toString("base64url");
}
