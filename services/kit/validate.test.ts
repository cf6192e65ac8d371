import { describe, expect, it } from "vitest";
import { RpcError, Status } from "./rpc-error.js";
import { canonicalId, distinctItems, requirePresent } from "./validate.js";

function thrown(run: () => unknown): RpcError {
  try {
    run();
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  throw new Error("expected an RpcError");
}

const uuid = (n: number) => `abcdef00-0000-4000-8000-${n.toString().padStart(12, "0")}`;
const item = (n: number, quantity = 1) => ({ productId: uuid(n), quantity });

describe("canonicalId", () => {
  it("lower-cases, so either case names one row", () => {
    expect(canonicalId("3F2504E0-4F89-41D3-9A0C-0305E82C3301")).toBe(
      "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    );
  });
});

describe("requirePresent", () => {
  it("refuses an empty value as required and returns any other", () => {
    expect(thrown(() => requirePresent("user_id", ""))).toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: "user_id: is required",
    });
    expect(requirePresent("user_id", "x")).toBe("x");
  });
});

describe("distinctItems", () => {
  it("returns the items with lower-cased product ids, other fields kept", () => {
    const items = [
      { productId: uuid(1).toUpperCase(), quantity: 2, note: "a" },
      { productId: uuid(2), quantity: 3, note: "b" },
    ];
    expect(distinctItems("items", items)).toEqual([
      { productId: uuid(1), quantity: 2, note: "a" },
      { productId: uuid(2), quantity: 3, note: "b" },
    ]);
  });

  it("refuses a product listed twice, even in another case, naming every repeat", () => {
    const items = [item(1), item(2), { productId: uuid(1).toUpperCase(), quantity: 3 }, item(2)];
    expect(thrown(() => distinctItems("items", items))).toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message:
        `items[2].product_id: product ${uuid(1)} is listed twice; ` +
        `items[3].product_id: product ${uuid(2)} is listed twice`,
      details: { reason: "DUPLICATE_ITEM" },
    });
  });
});
