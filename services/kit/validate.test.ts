import { describe, expect, it } from "vitest";
import { RpcError, Status } from "./rpc-error.js";
import {
  maxItems,
  maxQuantity,
  requireItems,
  requireRange,
  requireText,
  requireUuid,
} from "./validate.js";

function thrown(run: () => unknown): RpcError {
  try {
    run();
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  throw new Error("expected an RpcError");
}

const invalid = (message: string) => ({ code: Status.INVALID_ARGUMENT, message });

const uuid = (n: number) => `abcdef00-0000-4000-8000-${n.toString().padStart(12, "0")}`;

describe("requireUuid", () => {
  it("returns a UUID lower-cased", () => {
    expect(requireUuid("id", "3F2504E0-4F89-41D3-9A0C-0305E82C3301")).toBe(
      "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    );
  });

  it("refuses an empty value as required", () => {
    expect(thrown(() => requireUuid("user_id", ""))).toMatchObject(invalid("user_id: is required"));
  });

  it.each([
    "not-a-uuid",
    "3f2504e0-4f89-41d3-9a0c-0305e82c330",
    "3f2504e0-4f89-41d3-9a0c-0305e82c33012",
    "3f2504e04f8941d39a0c0305e82c3301",
    " 3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "3f2504e0-4f89-41d3-9a0c-0305e82c330g",
  ])("refuses %j", (value) => {
    expect(thrown(() => requireUuid("user_id", value))).toMatchObject(
      invalid("user_id: must be a UUID"),
    );
  });
});

describe("requireText", () => {
  it("returns the value trimmed", () => {
    expect(requireText("name", "  Grace Hopper \n", 100)).toBe("Grace Hopper");
  });

  it.each(["", "   ", "\t\n"])("refuses the blank %j", (value) => {
    expect(thrown(() => requireText("name", value, 100))).toMatchObject(
      invalid("name: is required and must not be blank"),
    );
  });

  it("accepts exactly maxLength characters and refuses one more", () => {
    expect(requireText("name", "x".repeat(5), 5)).toBe("xxxxx");
    expect(thrown(() => requireText("name", "x".repeat(6), 5))).toMatchObject(
      invalid("name: must be at most 5 characters"),
    );
  });

  it("does not count the whitespace it trims", () => {
    expect(requireText("name", "   abc   ", 3)).toBe("abc");
  });

  it("counts an emoji as one character, not as its two UTF-16 units", () => {
    const fiveEmoji = "😀🚀🎉👍🍕";
    expect(fiveEmoji.length).toBe(10);
    expect(requireText("name", fiveEmoji, 5)).toBe(fiveEmoji);
    expect(thrown(() => requireText("name", `${fiveEmoji}!`, 5))).toMatchObject(
      invalid("name: must be at most 5 characters"),
    );
  });
});

describe("requireRange", () => {
  it("returns values within the bounds, both included", () => {
    expect(requireRange("stock", 0, 0, 10)).toBe(0);
    expect(requireRange("stock", 10, 0, 10)).toBe(10);
  });

  it.each([-1, 11])("refuses %d", (value) => {
    expect(thrown(() => requireRange("stock", value, 0, 10))).toMatchObject(
      invalid("stock: must be a whole number from 0 to 10"),
    );
  });

  // Documented as "a whole number within [min, max]": fractions and NaN are not whole numbers.
  it.each([1.5, Number.NaN])("refuses the non-whole number %d", (value) => {
    expect(thrown(() => requireRange("stock", value, 0, 10))).toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: expect.stringMatching(/^stock: /),
    });
  });
});

describe("requireItems", () => {
  const item = (n: number, quantity = 1) => ({ productId: uuid(n), quantity });

  it("returns the items with lower-cased product ids, other fields kept", () => {
    const items = [
      { productId: uuid(1).toUpperCase(), quantity: 2, note: "a" },
      { productId: uuid(2), quantity: maxQuantity, note: "b" },
    ];
    expect(requireItems("items", items)).toEqual([
      { productId: uuid(1), quantity: 2, note: "a" },
      { productId: uuid(2), quantity: maxQuantity, note: "b" },
    ]);
  });

  it("refuses an empty list", () => {
    expect(thrown(() => requireItems("items", []))).toMatchObject(
      invalid("items: must hold at least one item"),
    );
  });

  it("accepts 100 items and refuses 101", () => {
    const hundred = Array.from({ length: maxItems }, (_, n) => item(n));
    expect(requireItems("items", hundred)).toHaveLength(100);
    expect(thrown(() => requireItems("items", [...hundred, item(100)]))).toMatchObject(
      invalid("items: must hold at most 100 items"),
    );
  });

  it("names the item whose product id is not a UUID", () => {
    const items = [item(1), { productId: "sku-42", quantity: 1 }];
    expect(thrown(() => requireItems("items", items))).toMatchObject(
      invalid("items[1].product_id: must be a UUID"),
    );
  });

  it("names the item whose product id is missing", () => {
    expect(thrown(() => requireItems("items", [{ productId: "", quantity: 1 }]))).toMatchObject(
      invalid("items[0].product_id: is required"),
    );
  });

  it.each([0, -3, maxQuantity + 1])("names the item whose quantity is %d", (quantity) => {
    const items = [item(1), item(2), item(3, quantity)];
    expect(thrown(() => requireItems("items", items))).toMatchObject(
      invalid("items[2].quantity: must be a whole number from 1 to 1000000"),
    );
  });

  it("refuses a product listed twice, even in another case", () => {
    const items = [item(1), item(2), { productId: uuid(1).toUpperCase(), quantity: 3 }];
    expect(thrown(() => requireItems("items", items))).toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: `items[2].product_id: product ${uuid(1)} is listed twice`,
    });
  });
});
