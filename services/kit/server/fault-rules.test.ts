import { describe, expect, it } from "vitest";
import { Status } from "../rpc-error.js";
import { parseFaultRules } from "./fault-rules.js";

describe("parseFaultRules", () => {
  it("reads a JSON array of rules, with defaults for what an entry leaves out", () => {
    const raw = JSON.stringify([
      { method: "ReserveStock", delayMs: 2000 },
      { method: "*", abortPercent: 20, abortCode: "RESOURCE_EXHAUSTED" },
      { method: "GetUser", delayMs: 0, abortPercent: 100, abortCode: "UNAVAILABLE" },
    ]);
    expect(parseFaultRules(raw)).toEqual([
      { method: "ReserveStock", delayMs: 2000, abortPercent: 0, abortCode: Status.UNAVAILABLE },
      { method: "*", delayMs: 0, abortPercent: 20, abortCode: Status.RESOURCE_EXHAUSTED },
      { method: "GetUser", delayMs: 0, abortPercent: 100, abortCode: Status.UNAVAILABLE },
    ]);
  });

  it("reads an empty array as no rules", () => {
    expect(parseFaultRules("[]")).toEqual([]);
  });

  it("accepts abortPercent from 0 to 100, fractions included", () => {
    const raw = '[{"method":"A","abortPercent":0},{"method":"B","abortPercent":12.5}]';
    expect(parseFaultRules(raw).map((entry) => entry.abortPercent)).toEqual([0, 12.5]);
  });

  it.each([
    [
      "not JSON",
      "[{method: GetUser}]",
      "must be a JSON array of {method, delayMs, abortPercent, abortCode}",
    ],
    ["empty", "", "must be a JSON array of {method, delayMs, abortPercent, abortCode}"],
    ["an object", '{"method":"GetUser"}', "must be a JSON array"],
    ["a string", '"GetUser"', "must be a JSON array"],
  ])("refuses input that is %s", (_, raw, message) => {
    expect(() => parseFaultRules(raw)).toThrow(new Error(message));
  });

  it.each([
    ["a number", "[7]", "entry 0: must be an object"],
    ["null", '[{"method":"GetUser"},null]', "entry 1: must be an object"],
    [
      "an unknown field",
      '[{"method":"GetUser"},{"method":"GetUser","delay":5}]',
      "entry 1: unknown field delay",
    ],
    [
      "several unknown fields",
      '[{"method":"GetUser","percent":5,"code":"UNAVAILABLE"}]',
      "entry 0: unknown field percent, code",
    ],
    ["no method", '[{"delayMs":5}]', "entry 0: method must be an RPC name or *"],
    ["an empty method", '[{"method":""}]', "entry 0: method must be an RPC name or *"],
    ["a method that is no string", '[{"method":7}]', "entry 0: method must be an RPC name or *"],
    [
      "a negative delayMs",
      '[{"method":"GetUser"},{"method":"GetUser","delayMs":-1}]',
      "entry 1: delayMs must be a whole number >= 0",
    ],
    [
      "a fractional delayMs",
      '[{"method":"GetUser","delayMs":1.5}]',
      "entry 0: delayMs must be a whole number >= 0",
    ],
    [
      "a delayMs string",
      '[{"method":"GetUser","delayMs":"5"}]',
      "entry 0: delayMs must be a whole number >= 0",
    ],
    [
      "a negative abortPercent",
      '[{"method":"GetUser","abortPercent":-1}]',
      "entry 0: abortPercent must be from 0 to 100",
    ],
    [
      "an abortPercent above 100",
      '[{"method":"GetUser"},{"method":"*"},{"method":"GetUser","abortPercent":100.5}]',
      "entry 2: abortPercent must be from 0 to 100",
    ],
    [
      "an abortPercent string",
      '[{"method":"GetUser","abortPercent":"50"}]',
      "entry 0: abortPercent must be from 0 to 100",
    ],
  ])("refuses an entry that has %s, naming it", (_, raw, message) => {
    expect(() => parseFaultRules(raw)).toThrow(new Error(message));
  });

  it.each(["NOPE", "OK", "unavailable", "", 14])("refuses the abortCode %j", (abortCode) => {
    const raw = JSON.stringify([{ method: "GetUser" }, { method: "GetUser", abortCode }]);
    expect(() => parseFaultRules(raw)).toThrow(
      new Error("entry 1: abortCode must be a gRPC status name such as UNAVAILABLE"),
    );
  });

  // Status is a numeric TypeScript enum, whose object also maps numbers back to names and
  // inherits Object.prototype: none of these is a status name.
  it.each(["14", "0", "toString", "constructor", "__proto__"])(
    "refuses the abortCode %j, which is no status name either",
    (abortCode) => {
      const raw = JSON.stringify([{ method: "GetUser", abortCode }]);
      expect(() => parseFaultRules(raw)).toThrow(
        new Error("entry 0: abortCode must be a gRPC status name such as UNAVAILABLE"),
      );
    },
  );
});
