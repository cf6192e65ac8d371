import { RpcError, Status } from "../rpc-error.js";
import type { FieldViolation } from "./error-details.js";

/** The reason of an INVALID_ARGUMENT that breaks plain field rules. */
export const invalidFieldReason = "INVALID_FIELD";

type Checked<T> = { [K in keyof T]: T[K] extends () => infer R ? R : never };

/**
 * Runs every check and returns their results by name. When checks broke field rules, throws one
 * INVALID_ARGUMENT holding every violation (AIP-193: all at once, so that a form can mark each
 * field in one round trip); any other error ends the checks at once.
 */
export function checkFields<T extends Record<string, () => unknown>>(checks: T): Checked<T> {
  const results = runAll(Object.values(checks));
  return Object.fromEntries(
    Object.keys(checks).map((name, index) => [name, results[index]]),
  ) as Checked<T>;
}

/**
 * `check` applied to every value, by index; like {@link checkFields}, the violations of all of
 * them are thrown at once (`ids[0]` and `ids[3]` both marked).
 */
export function checkEach<T, R>(values: readonly T[], check: (value: T, index: number) => R): R[] {
  return runAll(values.map((value, index) => () => check(value, index)));
}

function runAll<R>(checks: readonly (() => R)[]): R[] {
  const results: R[] = [];
  const broken: RpcError[] = [];
  for (const check of checks) {
    try {
      results.push(check());
    } catch (error) {
      if (!isFieldViolation(error)) throw error;
      broken.push(error);
    }
  }
  const merged = mergeFieldViolations(broken);
  if (merged) throw merged;
  return results;
}

/**
 * One INVALID_ARGUMENT holding the violations of `errors` (undefined for none): the message
 * joins their `field: rule` texts; the reason is theirs when they share one.
 */
export function mergeFieldViolations(errors: readonly RpcError[]): RpcError | undefined {
  const [first] = errors;
  if (first === undefined) return undefined;
  if (errors.length === 1) return first;
  const violations: FieldViolation[] = errors.flatMap((error) => [
    ...(error.details?.fieldViolations ?? []),
  ]);
  const reasons = new Set(errors.map((error) => error.details?.reason));
  const [reason = invalidFieldReason] = reasons.size === 1 ? reasons : [invalidFieldReason];
  return new RpcError(Status.INVALID_ARGUMENT, errors.map((error) => error.message).join("; "), {
    details: { reason, fieldViolations: violations },
  });
}

/** Whether `error` is an INVALID_ARGUMENT naming the fields it is about. */
export function isFieldViolation(error: unknown): error is RpcError {
  return (
    error instanceof RpcError &&
    error.code === Status.INVALID_ARGUMENT &&
    (error.details?.fieldViolations?.length ?? 0) > 0
  );
}
