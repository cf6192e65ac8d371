import { describe, expect, it } from "vitest";
import { RpcError, Status } from "./rpc-error.js";
import { toRpcError } from "./to-rpc-error.js";

/** An error shaped like node-postgres's DatabaseError or a Node.js socket error. */
function codedError(code: string, message = `failed with ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe("toRpcError", () => {
  it("returns an RpcError unchanged", () => {
    const error = new RpcError(Status.NOT_FOUND, "user 42 not found");
    expect(toRpcError(error)).toBe(error);
  });

  it.each([
    ["ECONNREFUSED", "connection refused"],
    ["ECONNRESET", "connection reset"],
    ["57P01", "admin_shutdown"],
    ["57P03", "cannot_connect_now"],
    ["53300", "too_many_connections"],
    ["08006", "connection_failure"],
    ["08001", "sqlclient_unable_to_establish_sqlconnection"],
    ["3D000", "invalid_catalog_name"],
    ["28P01", "invalid_password"],
  ])("maps code %s (%s) to UNAVAILABLE, keeping the cause", (code) => {
    const cause = codedError(code);
    const error = toRpcError(cause);
    expect(error).toBeInstanceOf(RpcError);
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect(error.message).toBe("database unavailable, retry later");
    expect(error.cause).toBe(cause);
  });

  it.each(["Connection terminated unexpectedly", "timeout exceeded when trying to connect"])(
    "maps node-postgres's plain %j to UNAVAILABLE",
    (message) => {
      expect(toRpcError(new Error(message)).code).toBe(Status.UNAVAILABLE);
    },
  );

  it.each([
    ["40001", "serialization_failure"],
    ["40P01", "deadlock_detected"],
  ])("maps code %s (%s) to ABORTED, keeping the cause", (code) => {
    const cause = codedError(code);
    const error = toRpcError(cause);
    expect(error.code).toBe(Status.ABORTED);
    expect(error.message).toBe("transaction conflict, retry");
    expect(error.cause).toBe(cause);
  });

  it.each([
    ["an unknown Error", new Error("boom")],
    ["a constraint violation", codedError("23505", "duplicate key value")],
    ["a syntax error", codedError("42601", "syntax error at or near")],
    ["a numeric code", Object.assign(new Error("odd"), { code: 14 })],
  ])("maps %s to INTERNAL, keeping the cause", (_, cause) => {
    const error = toRpcError(cause);
    expect(error.code).toBe(Status.INTERNAL);
    expect(error.message).toBe("internal error");
    expect(error.cause).toBe(cause);
  });

  it.each([
    ["a string", "boom"],
    ["undefined", undefined],
    ["null", null],
  ])("maps a thrown %s to INTERNAL", (_, thrown) => {
    const error = toRpcError(thrown);
    expect(error.code).toBe(Status.INTERNAL);
    expect(error.cause).toBe(thrown);
  });

  it("does not leak the original message to the caller", () => {
    const error = toRpcError(new Error("password authentication failed for user shop"));
    expect(error.message).not.toContain("password");
  });
});
