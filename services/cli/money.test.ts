import { expect, it } from "vitest";
import { parseMinorUnits } from "./money.js";

it.each([
  ["12.50", "EUR", 1250n],
  ["12.5", "EUR", 1250n],
  ["500", "XOF", 500n],
  ["500", "JPY", 500n],
  ["1.234", "BHD", 1234n],
])("--price %s --currency %s is %i minor units", (amount, currency, minor) => {
  expect(parseMinorUnits(amount, currency)).toBe(minor);
});

it("refuses decimals a currency does not have, and unknown currencies", () => {
  expect(() => parseMinorUnits("500.5", "XOF")).toThrow(
    "--price 500.5: must be a whole non-negative amount (XOF has no minor unit)",
  );
  expect(() => parseMinorUnits("1.005", "EUR")).toThrow("at most 2 decimals");
  expect(() => parseMinorUnits("1", "ABC")).toThrow("--currency ABC: must be an ISO 4217");
});
