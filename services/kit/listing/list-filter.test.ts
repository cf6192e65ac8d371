import { describe, expect, it } from "vitest";
import { parseFilter } from "./list-filter.js";

const fields = { name: ["=", "!="], time: ["<", ">"] } as const;

describe("parseFilter", () => {
  it("reads comparisons joined by AND, bare or quoted values, escapes resolved", () => {
    expect(parseFilter(`name = "a \\"b\\"" AND time>'2026' AND name != X`, fields)).toEqual([
      { field: "name", operator: "=", value: 'a "b"', position: 0 },
      { field: "time", operator: ">", value: "2026", position: 21 },
      { field: "name", operator: "!=", value: "X", position: 37 },
    ]);
    expect(parseFilter("  ", fields)).toEqual([]);
  });

  it("refuses more than ten comparisons", () => {
    const filter = Array.from({ length: 11 }, () => "name = x").join(" AND ");
    expect(() => parseFilter(filter, fields)).toThrow("filter: must hold at most 10 comparisons");
  });

  it("does not take lower-case and as AND, nor a field as a value", () => {
    expect(() => parseFilter("name = x and name = y", fields)).toThrow(
      'filter: expected AND at position 9, found "and"',
    );
    expect(() => parseFilter("name = AND", fields)).toThrow(
      'filter: expected a value after name =, found "AND"',
    );
  });
});
