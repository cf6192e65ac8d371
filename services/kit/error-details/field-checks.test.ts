import { describe, expect, it } from "vitest";
import { invalidArgument, RpcError, Status } from "../rpc-error.js";
import { checkEach, checkFields } from "./field-checks.js";

const refusal = (run: () => unknown): RpcError => {
  try {
    run();
  } catch (error) {
    return error as RpcError;
  }
  throw new Error("accepted");
};

describe("checkFields", () => {
  it("returns every result by name when no rule is broken", () => {
    expect(checkFields({ a: () => 1, b: () => "x" })).toEqual({ a: 1, b: "x" });
  });

  it("throws every violation at once, in order, the message joining their texts", () => {
    const error = refusal(() =>
      checkFields({
        a: () => {
          throw invalidArgument("a", "is required");
        },
        b: () => 2,
        c: () => checkEach(["x", "y"], (_, i) => refusal2(`c[${i}]`)),
      }),
    );
    expect(error).toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: "a: is required; c[0]: is bad; c[1]: is bad",
      details: {
        reason: "INVALID_FIELD",
        fieldViolations: [
          { field: "a", description: "is required" },
          { field: "c[0]", description: "is bad" },
          { field: "c[1]", description: "is bad" },
        ],
      },
    });
  });

  it("keeps a shared specific reason, and lets any other error through at once", () => {
    const duplicate = (field: string) => () => {
      throw invalidArgument(field, "twice", "DUPLICATE_ITEM");
    };
    expect(
      refusal(() => checkFields({ a: duplicate("a"), b: duplicate("b") })).details?.reason,
    ).toBe("DUPLICATE_ITEM");
    const denied = new RpcError(Status.PERMISSION_DENIED, "no");
    expect(
      refusal(() =>
        checkFields({
          a: duplicate("a"),
          b: () => {
            throw denied;
          },
        }),
      ),
    ).toBe(denied);
  });
});

function refusal2(field: string): never {
  throw invalidArgument(field, "is bad");
}
