import type { ServiceError } from "@grpc/grpc-js";
import { downstreamError } from "./client/unary-attempt.js";
import { RpcError, Status } from "./rpc-error.js";

const unnamed = { dependency: "a dependency", name: "a call" };

// SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html) that mean "this
// service cannot use its database right now": server shutting down or starting (57P0x), too many
// connections (53300), and the refusals PostgreSQL sends while a connection opens: database not
// accepting connections (55000), missing (3D000), credentials rejected (28000, 28P01). None of
// them is the caller's fault; the caller should retry later. Class 08 is handled below.
const unavailableSqlStates = new Set([
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "55000",
  "3D000",
  "28000",
  "28P01",
]);
const connectionErrorCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Turns anything thrown by a handler into the RpcError that goes on the wire. Foreign errors
 * (PostgreSQL, sockets) get the code that tells the caller what to do; the original is kept as
 * the cause for the log. Unknown errors become INTERNAL, the one code that means "our bug".
 */
export function toRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  // Relayed as the status table says: the caller's mistakes with their text, the rest with ours.
  if (isServiceError(error)) return downstreamError(unnamed, error);
  const code = foreignErrorCode(error);
  if (code === Status.UNAVAILABLE) {
    return new RpcError(code, "database unavailable, retry later", {
      cause: error,
      details: { reason: "DATABASE_UNAVAILABLE" },
    });
  }
  if (code === Status.ABORTED) {
    return new RpcError(code, "transaction conflict, retry", {
      cause: error,
      details: { reason: "TRANSACTION_CONFLICT" },
    });
  }
  if (code === Status.DEADLINE_EXCEEDED) {
    return new RpcError(code, "database did not answer in time", {
      cause: error,
      details: { reason: "DATABASE_TIMEOUT" },
    });
  }
  return new RpcError(Status.INTERNAL, "internal error", { cause: error });
}

function foreignErrorCode(error: unknown): Status | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") {
    const message = (error as { message?: unknown }).message;
    // node-postgres reports a dropped or unopenable connection as a plain Error.
    if (
      typeof message === "string" &&
      /Connection terminated|timeout exceeded when trying to connect/.test(message)
    ) {
      return Status.UNAVAILABLE;
    }
    return undefined;
  }
  if (connectionErrorCodes.has(code)) return Status.UNAVAILABLE;
  if (code.startsWith("08") || unavailableSqlStates.has(code)) return Status.UNAVAILABLE;
  // serialization_failure and deadlock_detected: the transaction can simply be run again.
  if (code === "40001" || code === "40P01") return Status.ABORTED;
  // query_canceled and lock_not_available: a statement or lock wait outlived its timeout (the
  // caller's deadline, or the ceiling DATABASE_STATEMENT_TIMEOUT_MS).
  if (code === "57014" || code === "55P03") return Status.DEADLINE_EXCEEDED;
  return undefined;
}

/** A grpc-js client's error (a call made without the kit's client), escaping a handler. */
function isServiceError(error: unknown): error is ServiceError {
  if (!(error instanceof Error)) return false;
  const { code, details, metadata } = error as {
    code?: unknown;
    details?: unknown;
    metadata?: unknown;
  };
  return (
    typeof code === "number" &&
    typeof details === "string" &&
    typeof metadata === "object" &&
    metadata !== null
  );
}
