import { createHash } from "node:crypto";
import { alreadyExists, invalidArgument, type RpcError } from "../rpc-error.js";

/** Longest idempotency key a request may carry. */
export const maxRequestIdLength = 128;

/**
 * A create's idempotency key as stored: unique within its scope (the signed-in end user's
 * subject through the edge, '' for the mesh's own workloads), with the request's fingerprint.
 */
export interface CreateKey {
  readonly scope: string;
  readonly requestId: string;
  readonly fingerprint: string;
}

/** A required idempotency key: 1 to {@link maxRequestIdLength} characters. */
export function requireRequestId(value: string, field = "request_id"): string {
  if (value === "") throw invalidArgument(field, "is required");
  return optionalRequestId(value, field) ?? value;
}

/** An optional idempotency key: undefined when empty, else at most the same length. */
export function optionalRequestId(value: string, field = "request_id"): string | undefined {
  if (value.length > maxRequestIdLength) {
    throw invalidArgument(field, `must be at most ${maxRequestIdLength} characters`);
  }
  return value === "" ? undefined : value;
}

/**
 * The digest of what a request asks for, stored beside its request_id so that a retry (same
 * digest) is told from a reuse of the key for something else. Bigints count as their decimals.
 */
export function requestFingerprint(content: unknown): string {
  const json = JSON.stringify(content, (_key, value: unknown) =>
    typeof value === "bigint" ? value.toString() : value,
  );
  return createHash("sha256").update(json).digest("hex");
}

/** ALREADY_EXISTS REQUEST_ID_REUSED: the key was used before for a different request. */
export function requestIdReused(requestId: string, what: string): RpcError {
  return alreadyExists(`request_id ${requestId} was already used for a different ${what}`, {
    reason: "REQUEST_ID_REUSED",
    metadata: { requestId },
  });
}
