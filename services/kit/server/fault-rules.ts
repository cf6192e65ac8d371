import { Status } from "../rpc-error.js";

/** One fault: what happens to calls of the matching methods. */
export interface FaultRule {
  /** RPC name as in the proto (`ReserveStock`), or `*` for every method of the server. */
  readonly method: string;
  /** Added before the call is handled. */
  readonly delayMs: number;
  /** Share of calls, 0 to 100, answered with `abortCode` instead of being handled. */
  readonly abortPercent: number;
  readonly abortCode: Status;
}

/** A field of a fault rule that breaks its rule; callers say where the rule came from. */
export class FaultRuleError extends Error {
  override readonly name = "FaultRuleError";

  constructor(
    /** `method`, `delayMs`, `abortPercent` or `abortCode`. */
    readonly field: keyof FaultRule,
    /** What the field must be, e.g. `must be from 0 to 100`. */
    readonly rule: string,
  ) {
    super(`${field} ${rule}`);
  }
}

/**
 * Checks one rule given as loose values (FAULT_INJECTION's JSON, an AdminService request),
 * filling in the defaults: no delay, no aborts, UNAVAILABLE. The one place the rules are
 * checked, so that the start-up value and run-time changes accept exactly the same rules.
 */
export function faultRule(fields: {
  method?: unknown;
  delayMs?: unknown;
  abortPercent?: unknown;
  abortCode?: unknown;
}): FaultRule {
  const { method, delayMs = 0, abortPercent = 0, abortCode = "UNAVAILABLE" } = fields;
  if (typeof method !== "string" || method === "") {
    throw new FaultRuleError("method", "must be an RPC name or *");
  }
  if (typeof delayMs !== "number" || !Number.isInteger(delayMs) || delayMs < 0) {
    throw new FaultRuleError("delayMs", "must be a whole number >= 0");
  }
  if (typeof abortPercent !== "number" || !(abortPercent >= 0 && abortPercent <= 100)) {
    throw new FaultRuleError("abortPercent", "must be from 0 to 100");
  }
  // Status is a numeric enum: it also maps "14" to a name, and inherits Object's keys.
  const code =
    typeof abortCode === "string" && Object.hasOwn(Status, abortCode)
      ? Status[abortCode as keyof typeof Status]
      : undefined;
  if (typeof code !== "number" || code === Status.OK) {
    throw new FaultRuleError("abortCode", "must be a gRPC status name such as UNAVAILABLE");
  }
  return { method, delayMs, abortPercent, abortCode: code };
}

const fields = new Set(["method", "delayMs", "abortPercent", "abortCode"]);

/**
 * Reads FAULT_INJECTION: a JSON array such as
 * `[{"method":"ReserveStock","delayMs":2000},{"method":"*","abortPercent":20,"abortCode":"UNAVAILABLE"}]`.
 * Throws a message naming the entry and the rule it breaks.
 */
export function parseFaultRules(raw: string): FaultRule[] {
  let entries: unknown;
  try {
    entries = JSON.parse(raw);
  } catch {
    throw new Error("must be a JSON array of {method, delayMs, abortPercent, abortCode}");
  }
  if (!Array.isArray(entries)) throw new Error("must be a JSON array");
  return entries.map((entry: unknown, index) => {
    const where = `entry ${index}`;
    if (typeof entry !== "object" || entry === null) throw new Error(`${where}: must be an object`);
    const unknown = Object.keys(entry).filter((key) => !fields.has(key));
    if (unknown.length > 0) throw new Error(`${where}: unknown field ${unknown.join(", ")}`);
    try {
      return faultRule(entry);
    } catch (error) {
      throw error instanceof FaultRuleError ? new Error(`${where}: ${error.message}`) : error;
    }
  });
}

/** A rule as FAULT_INJECTION spells it (status names, not numbers), for logs. */
export function describeFaultRule(rule: FaultRule): Record<string, unknown> {
  return { ...rule, abortCode: Status[rule.abortCode] };
}
