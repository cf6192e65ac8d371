import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wireDetails } from "../support/error-details.js";
import { rpcFailure } from "../support/rpc-failure.js";
import { runCliOn, startTestMesh, type TestMesh } from "../support/test-mesh.js";

// What ListOrders refuses, and how it says so: INVALID_ARGUMENT naming the field and the rule,
// over the wire (no orders needed: a refusal reads none).
let shop: TestMesh;
beforeAll(async () => {
  shop = await startTestMesh("order_list_refusals");
}, 120_000);
afterAll(() => shop?.close());

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
    const failure = await rpcFailure(() => shop.clients.orders.listOrders({ filter }));
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
    const failure = await rpcFailure(() => shop.clients.orders.listOrders({ orderBy }));
    expect(failure.code).toBe("InvalidArgument");
    expect(failure.message).toMatch(message);
  });

  it("reports every bad field at once: the proto's rules first, then the grammar's", async () => {
    // page_size and the filter's length are the proto's rules, refused before the handler runs
    // (a request that breaks them is not parsed); the filter's and order_by's grammar is the
    // server's, both reported together.
    const rules = await rpcFailure(() =>
      shop.clients.orders.listOrders({ filter: "x".repeat(2001), orderBy: "nope", pageSize: -1 }),
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
      shop.clients.orders.listOrders({ filter: "nope = 1", orderBy: "nope", pageSize: 5 }),
    );
    expect(grammar.code).toBe("InvalidArgument");
    const fields = wireDetails(grammar.error).fieldViolations?.map((v) => v.field);
    expect(fields?.sort()).toEqual(["filter", "order_by"]);
  });
});

describe("shopmesh order list", () => {
  it("prints a bad filter's reason", async () => {
    const refused = await runCliOn(shop, ["order", "list", "--filter", "state = LOST"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/INVALID_FILTER/);
    expect(refused.stderr).toMatch(/filter: state takes one of PENDING/);
  });
});
