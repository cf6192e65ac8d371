import { describe, expect, it } from "vitest";
import { RpcError, Status } from "../rpc-error.js";
import { requireCurrency } from "./currencies.js";
import { isCurrency, minorDigits } from "./iso-4217.js";

describe("currencies (the platform's ISO 4217 data)", () => {
  it.each([
    ["EUR", 2],
    ["USD", 2],
    ["JPY", 0],
    ["XOF", 0],
    ["XAF", 0],
    ["PYG", 0],
    ["RWF", 0],
    ["BHD", 3],
    ["KWD", 3],
  ])("%s has %i minor digits", (code, digits) => {
    expect(minorDigits(code)).toBe(digits);
  });

  it("knows no made-up code", () => {
    expect(isCurrency("ABC")).toBe(false);
    expect(minorDigits("ABC")).toBeUndefined();
  });

  // A malformed code (euro) never gets here: Money's proto rule refuses it as INVALID_FIELD first.
  it("refuses an unknown currency as INVALID_ARGUMENT UNKNOWN_CURRENCY", () => {
    const refusal = (code: string) => {
      try {
        requireCurrency("price.currency_code", code);
      } catch (error) {
        return error as RpcError;
      }
      throw new Error(`${code} was accepted`);
    };
    expect(refusal("ABC")).toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: "price.currency_code: ABC is not an ISO 4217 currency",
      details: { reason: "UNKNOWN_CURRENCY" },
    });
    expect(refusal("euro")).toBeInstanceOf(RpcError);
    expect(requireCurrency("price.currency_code", "XOF")).toBe("XOF");
  });
});
