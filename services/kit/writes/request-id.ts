import { createHash } from "node:crypto";
import type { Queryable } from "../data/index.js";
import { alreadyExists, type RpcError } from "../rpc-error.js";

/**
 * A create's idempotency key as stored: unique within its scope (the signed-in end user's
 * subject through the edge, '' for the mesh's own workloads), with the request's fingerprint.
 */
export interface CreateKey {
  readonly scope: string;
  readonly requestId: string;
  readonly fingerprint: string;
}

/**
 * The key a create is stored under, or undefined without a request_id (the key is optional;
 * its length is the proto's rule, checked before any handler runs). `content` is what the
 * request asks for, digested by {@link requestFingerprint}.
 */
export function createKey(
  scope: string,
  requestId: string,
  content: unknown,
): CreateKey | undefined {
  return requestId === ""
    ? undefined
    : { scope, requestId, fingerprint: requestFingerprint(content) };
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

/**
 * The row (its `columns`) of `table` that a create stored under `key`, if any: the table keeps
 * the key in `request_scope` and `request_id`, unique together.
 */
export async function rowByCreateKey<Row extends object>(
  db: Queryable,
  table: string,
  columns: string,
  key: CreateKey,
): Promise<Row | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM ${table} WHERE request_scope = $1 AND request_id = $2`,
    [key.scope, key.requestId],
  );
  return rows[0];
}

/**
 * After a create with `key` inserted nothing: the first result when this is a retry of it (the
 * same fingerprint), REQUEST_ID_REUSED (naming `what`) when the key made something else, and
 * undefined when no row holds the key (or there is none), so the conflict was the resource's own.
 */
export async function earlierCreate<Row extends { readonly requestFingerprint: string | null }>(
  key: CreateKey | undefined,
  what: string,
  find: (key: CreateKey) => Promise<Row | undefined>,
): Promise<Row | undefined> {
  if (!key) return undefined;
  const first = await find(key);
  if (first && first.requestFingerprint !== key.fingerprint) {
    throw requestIdReused(key.requestId, what);
  }
  return first;
}
