import { randomUUID } from "node:crypto";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeshClients } from "../../services/cli/mesh-clients.js";
import { type Order, OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { wireDetails } from "../support/error-details.js";
import { rpcFailure } from "../support/rpc-failure.js";
import { startTestEdge, type TestEdge } from "../support/test-edge.js";
import { runCliOn } from "../support/test-mesh.js";

// ListOrders' filter, order_by and page tokens over the wire: real processes, PostgreSQL, gRPC;
// the operator's client straight to the order service, end users through the edge.
let edge: TestEdge;
let operator: MeshClients["orders"];
let ada: { id: string; orders: MeshClients["orders"]; placed: Order[] };
let bob: { id: string; orders: MeshClients["orders"]; placed: Order[] };

/** A Timestamp as RFC 3339 with all its digits (PostgreSQL keeps microseconds; Date does not). */
function rfc3339(time: Timestamp | undefined): string {
  const seconds = new Date(Number(time?.seconds ?? 0n) * 1000).toISOString().slice(0, 19);
  return `${seconds}.${String(time?.nanos ?? 0).padStart(9, "0")}Z`;
}

async function shopper(subject: string, productId: string, count: number) {
  const clients = edge.clients(await edge.issuer.issue(subject));
  const user = await clients.users.createUser({
    email: `${randomUUID()}@example.com`,
    displayName: subject,
  });
  const placed: Order[] = [];
  for (let index = 0; index < count; index++) {
    const items = [{ productId, quantity: 1 }];
    placed.push(await clients.orders.createOrder({ requestId: randomUUID(), items }));
  }
  return { id: user.id, orders: clients.orders, placed };
}

/** Every order of a listing, page by page, and the tokens it was given. */
async function everyPage(
  orders: MeshClients["orders"],
  request: { filter?: string; orderBy?: string; userId?: string; pageSize: number },
): Promise<{ ids: string[]; tokens: string[] }> {
  const ids: string[] = [];
  const tokens: string[] = [];
  let pageToken = "";
  do {
    const page = await orders.listOrders({ ...request, pageToken });
    ids.push(...page.orders.map((order) => order.id));
    pageToken = page.nextPageToken;
    if (pageToken) tokens.push(pageToken);
  } while (pageToken);
  return { ids, tokens };
}

const idsOf = (orders: readonly Order[]) => orders.map((order) => order.id);

beforeAll(async () => {
  edge = await startTestEdge("order_lists");
  operator = edge.shop.clients.orders;
  const price = { currencyCode: "EUR", minorUnits: 100n };
  const mug = await edge.shop.clients.products.createProduct({
    sku: "LIST-1",
    name: "Mug",
    price,
    stock: 100,
  });
  ada = await shopper("idp|ada", mug.id, 5);
  bob = await shopper("idp|bob", mug.id, 3);
  // Ada's third order is cancelled: one order in another state.
  const third = ada.placed[2] as Order;
  ada.placed[2] = await ada.orders.cancelOrder({ id: third.id });
}, 120_000);
afterAll(() => edge.close());

describe("ListOrders filter", () => {
  it("by user, as the filter, as the user_id field, or both", async () => {
    const filter = `user_id = "${ada.id}"`;
    const expected = idsOf(ada.placed);
    expect(idsOf((await operator.listOrders({ filter })).orders)).toEqual(expected);
    expect(idsOf((await operator.listOrders({ userId: ada.id })).orders)).toEqual(expected);
    expect(idsOf((await operator.listOrders({ userId: ada.id, filter })).orders)).toEqual(expected);
    // Both given, naming two users: both hold for no order.
    const both = await operator.listOrders({ userId: bob.id, filter });
    expect(both.orders).toEqual([]);
  });

  it("by state (state or status, with or without the enum's prefix), joined with AND", async () => {
    const cancelled = await operator.listOrders({
      filter: `user_id = "${ada.id}" AND state = CANCELLED`,
    });
    expect(idsOf(cancelled.orders)).toEqual([ada.placed[2]?.id]);
    expect(cancelled.orders[0]?.status).toBe(OrderStatus.CANCELLED);
    const confirmed = await operator.listOrders({
      filter: `status = ORDER_STATUS_CONFIRMED AND user_id = "${ada.id}"`,
    });
    expect(idsOf(confirmed.orders)).toEqual(idsOf(ada.placed.filter((_, i) => i !== 2)));
    const notCancelled = await operator.listOrders({ filter: "state != CANCELLED" });
    expect(notCancelled.orders.map((o) => o.status)).not.toContain(OrderStatus.CANCELLED);
    expect(notCancelled.orders).toHaveLength(7);
  });

  it("by creation time, to the microsecond", async () => {
    const second = rfc3339(ada.placed[1]?.createTime);
    const user = `user_id = "${ada.id}"`;
    const after = await operator.listOrders({ filter: `${user} AND create_time > "${second}"` });
    expect(idsOf(after.orders)).toEqual(idsOf(ada.placed.slice(2)));
    const upTo = await operator.listOrders({ filter: `${user} AND create_time <= "${second}"` });
    expect(idsOf(upTo.orders)).toEqual(idsOf(ada.placed.slice(0, 2)));
    const between = await operator.listOrders({
      filter: `${user} AND create_time >= "${second}" AND create_time < "${rfc3339(ada.placed[3]?.createTime)}"`,
    });
    expect(idsOf(between.orders)).toEqual(idsOf(ada.placed.slice(1, 3)));
  });
});

describe("ListOrders order_by and pages", () => {
  it("lists newest first with create_time desc, page by page, nothing skipped or repeated", async () => {
    const all = [...ada.placed, ...bob.placed];
    const newestFirst = await everyPage(operator, { orderBy: "create_time desc", pageSize: 3 });
    expect(newestFirst.ids).toEqual(idsOf(all).reverse());
    const oldestFirst = await everyPage(operator, { pageSize: 3 });
    expect(oldestFirst.ids).toEqual(idsOf(all));
    expect((await everyPage(operator, { orderBy: "create_time", pageSize: 2 })).ids).toEqual(
      idsOf(all),
    );
    const adaNewest = await everyPage(operator, {
      filter: `user_id = "${ada.id}"`,
      orderBy: "create_time desc",
      pageSize: 2,
    });
    expect(adaNewest.ids).toEqual(idsOf(ada.placed).reverse());
  });

  it("gives opaque tokens: no readable position inside, and none forged from one", async () => {
    const { tokens } = await everyPage(operator, { pageSize: 1 });
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
    const again = await operator.listOrders({ pageSize: 1 });
    expect(again.nextPageToken).not.toBe(tokens[0]);
    for (const forged of [
      Buffer.from("v1:3").toString("base64url"),
      flipLastByte(tokens[0] as string),
      "not a token",
    ]) {
      const failure = await rpcFailure(() =>
        operator.listOrders({ pageSize: 1, pageToken: forged }),
      );
      expect(failure.code).toBe("InvalidArgument");
      expect(failure.message).toBe("page_token: must be a next_page_token returned by this method");
    }
  });

  it("binds a token to its query: another filter or order_by is INVALID_ARGUMENT, another page size is not", async () => {
    const filter = `user_id = "${ada.id}" AND state = CONFIRMED`;
    const first = await operator.listOrders({ filter, pageSize: 2 });
    const pageToken = first.nextPageToken;
    expect(pageToken).not.toBe("");
    for (const other of [
      { filter: `user_id = "${ada.id}"` },
      { filter: `user_id = "${bob.id}" AND state = CONFIRMED` },
      { filter, orderBy: "create_time desc" },
      { filter, userId: bob.id },
    ]) {
      const failure = await rpcFailure(() => operator.listOrders({ ...other, pageToken }));
      expect(failure.code, JSON.stringify(other)).toBe("InvalidArgument");
      expect(failure.message).toMatch(/^page_token: was returned for another query/);
      expect(wireDetails(failure.error)).toMatchObject({
        reason: "PAGE_TOKEN_QUERY_MISMATCH",
        fieldViolations: [expect.objectContaining({ field: "page_token" })],
      });
    }
    // The same query written differently is the same query; the page size may change (AIP-158).
    const next = await operator.listOrders({
      filter: `state=CONFIRMED   AND  user_id="${ada.id}"`,
      pageSize: 10,
      pageToken,
    });
    const confirmed = ada.placed.filter((order) => order.status === OrderStatus.CONFIRMED);
    expect(idsOf(next.orders)).toEqual(idsOf(confirmed).slice(2));
  });
});

describe("ListOrders refuses what it cannot do", () => {
  it.each([
    [
      "state = SHIPPED",
      /^filter: state takes one of PENDING, CONFIRMED, CANCELLING, CANCELLED; found "SHIPPED"$/,
    ],
    [
      "total > 5",
      /^filter: unknown field "total" at position 0; filterable: user_id, status, state, create_time$/,
    ],
    ['user_id = "nobody"', /^filter: user_id takes a UUID in quotes; found "nobody"$/],
    [`user_id = "x' OR '1'='1"`, /^filter: user_id takes a UUID/],
    ['create_time > "yesterday"', /^filter: create_time takes an RFC 3339 time in quotes/],
    ['create_time > "2026-13-45T00:00:00Z"', /^filter: create_time takes an RFC 3339 time/],
    ["state = CONFIRMED OR state = PENDING", /^filter: expected AND at position 18, found "OR"/],
    ["(state = CONFIRMED)", /^filter: expected a field name at position 0, found "\("; OR, NOT/],
    ["NOT state = CANCELLED", /^filter: expected a field name at position 0, found "NOT"/],
    ["state CONFIRMED", /^filter: expected an operator after state, found "CONFIRMED"$/],
    ["state = CONFIRMED AND", /^filter: ends with AND/],
    [`user_id > "${randomUUID()}"`, /^filter: user_id does not take >; it takes =$/],
    ['user_id = "unclosed', /^filter: the string starting at position 10 is not closed$/],
    ["user_id:abc", /^filter: expected a field name at position 0, found "user_id:abc"; OR, NOT/],
  ])("filter %j is INVALID_ARGUMENT naming what is wrong", async (filter, message) => {
    const failure = await rpcFailure(() => operator.listOrders({ filter }));
    expect(failure.code).toBe("InvalidArgument");
    expect(failure.message).toMatch(message);
    expect(wireDetails(failure.error)).toMatchObject({
      reason: "INVALID_FILTER",
      fieldViolations: [{ field: "filter", description: failure.message.slice("filter: ".length) }],
    });
  });

  it.each([
    ["create_time sideways", /^order_by: "sideways" is not a direction/],
    ["total desc", /^order_by: cannot order by "total"/],
    ["create_time desc, id", /^order_by: must name one field/],
  ])("order_by %j is INVALID_ARGUMENT", async (orderBy, message) => {
    const failure = await rpcFailure(() => operator.listOrders({ orderBy }));
    expect(failure.code).toBe("InvalidArgument");
    expect(failure.message).toMatch(message);
  });

  it("reports every bad field at once: the proto's rules first, then the grammar's", async () => {
    // page_size and the filter's length are the proto's rules, refused before the handler runs
    // (a request that breaks them is not parsed); the filter's and order_by's grammar is the
    // server's, both reported together.
    const rules = await rpcFailure(() =>
      operator.listOrders({ filter: "x".repeat(2001), orderBy: "nope", pageSize: -1 }),
    );
    expect(rules.code).toBe("InvalidArgument");
    expect(wireDetails(rules.error)).toMatchObject({
      reason: "INVALID_FIELD",
      fieldViolations: [
        { field: "page_size", description: "must not be negative" },
        { field: "filter", description: "must be at most 2000 characters" },
      ],
    });
    const grammar = await rpcFailure(() =>
      operator.listOrders({ filter: "nope = 1", orderBy: "nope", pageSize: 5 }),
    );
    expect(grammar.code).toBe("InvalidArgument");
    const fields = wireDetails(grammar.error).fieldViolations?.map((v) => v.field);
    expect(fields?.sort()).toEqual(["filter", "order_by"]);
  });
});

describe("shopmesh order list", () => {
  it("passes --filter and --order-by, and prints a bad filter's reason", async () => {
    const listed = await runCliOn(edge.shop, [
      ...["order", "list", "--filter", `user_id = "${ada.id}" AND state = CONFIRMED`],
      ...["--order-by", "create_time desc"],
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    const confirmed = ada.placed.filter((order) => order.status === OrderStatus.CONFIRMED);
    const printed = JSON.parse(listed.stdout) as { orders: { id: string }[] };
    expect(printed.orders.map((order) => order.id)).toEqual(idsOf(confirmed).reverse());
    const refused = await runCliOn(edge.shop, ["order", "list", "--filter", "state = LOST"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/INVALID_FILTER/);
    expect(refused.stderr).toMatch(/filter: state takes one of PENDING/);
  });
});

describe("ListOrders through the edge", () => {
  it("shows an end user their own orders only, whatever the filter says", async () => {
    expect(idsOf((await ada.orders.listOrders({})).orders)).toEqual(idsOf(ada.placed));
    const confirmed = await ada.orders.listOrders({ filter: "state = CONFIRMED" });
    expect(confirmed.orders.every((order) => order.userId === ada.id)).toBe(true);
    expect(confirmed.orders).toHaveLength(4);
    const newest = await ada.orders.listOrders({ orderBy: "create_time desc", pageSize: 1 });
    expect(newest.orders[0]?.id).toBe(ada.placed[4]?.id);
    for (const filter of [`user_id = "${bob.id}"`, `state = CONFIRMED AND user_id = "${bob.id}"`]) {
      const failure = await rpcFailure(() => ada.orders.listOrders({ filter }));
      expect(failure.code).toBe("PermissionDenied");
      expect(failure.message).toBe("filter: you may only list your own orders");
    }
    // Her own id is fine, and changes nothing.
    const own = await ada.orders.listOrders({ filter: `user_id = "${ada.id}"` });
    expect(idsOf(own.orders)).toEqual(idsOf(ada.placed));
  });

  it("does not let one user's page token open another user's list", async () => {
    const bobsFirst = await bob.orders.listOrders({ pageSize: 1 });
    const failure = await rpcFailure(() =>
      ada.orders.listOrders({ pageSize: 1, pageToken: bobsFirst.nextPageToken }),
    );
    expect(failure.code).toBe("InvalidArgument");
    expect(failure.message).toMatch(/^page_token: was returned for another query/);
    // Bob's own next page is his.
    const bobsNext = await bob.orders.listOrders({
      pageSize: 5,
      pageToken: bobsFirst.nextPageToken,
    });
    expect(idsOf(bobsNext.orders)).toEqual(idsOf(bob.placed.slice(1)));
  });
});

function flipLastByte(token: string): string {
  const bytes = Buffer.from(token, "base64url");
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
  return bytes.toString("base64url");
}
