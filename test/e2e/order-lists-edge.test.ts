import { describe, expect, it } from "vitest";
import { rpcFailure } from "../support/rpc-failure.js";
import { idsOf, shoppersShop } from "./order-list-shoppers.js";

// ListOrders for end users through the edge: their own orders only, whatever they ask for.
const shop = shoppersShop("order_lists_edge");

describe("ListOrders through the edge", () => {
  it("shows an end user their own orders only, whatever the filter says", async () => {
    expect(idsOf((await shop.ada.orders.listOrders({})).orders)).toEqual(idsOf(shop.ada.placed));
    const confirmed = await shop.ada.orders.listOrders({ filter: "state = CONFIRMED" });
    expect(confirmed.orders.every((order) => order.userId === shop.ada.id)).toBe(true);
    expect(confirmed.orders).toHaveLength(4);
    const newest = await shop.ada.orders.listOrders({ orderBy: "create_time desc", pageSize: 1 });
    expect(newest.orders[0]?.id).toBe(shop.ada.placed[4]?.id);
    for (const filter of [
      `user_id = "${shop.bob.id}"`,
      `state = CONFIRMED AND user_id = "${shop.bob.id}"`,
    ]) {
      const failure = await rpcFailure(() => shop.ada.orders.listOrders({ filter }));
      expect(failure.code).toBe("PermissionDenied");
      expect(failure.message).toBe("filter: you may only list your own orders");
    }
    // Her own id is fine, and changes nothing.
    const own = await shop.ada.orders.listOrders({ filter: `user_id = "${shop.ada.id}"` });
    expect(idsOf(own.orders)).toEqual(idsOf(shop.ada.placed));
  });

  it("does not let one user's page token open another user's list", async () => {
    const bobsFirst = await shop.bob.orders.listOrders({ pageSize: 1 });
    const failure = await rpcFailure(() =>
      shop.ada.orders.listOrders({ pageSize: 1, pageToken: bobsFirst.nextPageToken }),
    );
    expect(failure.code).toBe("InvalidArgument");
    expect(failure.message).toMatch(/^page_token: was returned for another query/);
    // Bob's own next page is his.
    const bobsNext = await shop.bob.orders.listOrders({
      pageSize: 5,
      pageToken: bobsFirst.nextPageToken,
    });
    expect(idsOf(bobsNext.orders)).toEqual(idsOf(shop.bob.placed.slice(1)));
  });
});
