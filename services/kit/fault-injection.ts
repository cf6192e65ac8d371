import type { UnaryInterceptor } from "./grpc-service.js";
import { RpcError, Status } from "./rpc-error.js";

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
    const {
      method,
      delayMs = 0,
      abortPercent = 0,
      abortCode = "UNAVAILABLE",
    } = entry as Record<string, unknown>;
    if (typeof method !== "string" || method === "") {
      throw new Error(`${where}: method must be an RPC name or *`);
    }
    if (typeof delayMs !== "number" || !Number.isInteger(delayMs) || delayMs < 0) {
      throw new Error(`${where}: delayMs must be a whole number >= 0`);
    }
    if (typeof abortPercent !== "number" || abortPercent < 0 || abortPercent > 100) {
      throw new Error(`${where}: abortPercent must be from 0 to 100`);
    }
    // Status is a numeric enum: it also maps "14" to a name, and inherits Object's keys.
    const code =
      typeof abortCode === "string" && Object.hasOwn(Status, abortCode)
        ? Status[abortCode as keyof typeof Status]
        : undefined;
    if (typeof code !== "number" || code === Status.OK) {
      throw new Error(`${where}: abortCode must be a gRPC status name such as UNAVAILABLE`);
    }
    return { method, delayMs, abortPercent, abortCode: code };
  });
}

/**
 * Fault injection for rehearsing outages: delays and aborts calls as the rules say. Aborts are
 * spread evenly rather than drawn at random (30% aborts calls 4, 7, 10, …), so a rehearsal
 * plays out the same way every time. Off unless rules are given.
 */
export function faultInjection(
  rules: readonly FaultRule[],
  onFault?: (method: string, fault: string) => void,
): UnaryInterceptor {
  return (next, method) => {
    const matching = rules.filter((rule) => rule.method === "*" || rule.method === method.name);
    if (matching.length === 0) return next;
    const delayMs = matching.reduce((sum, rule) => sum + rule.delayMs, 0);
    const abort = matching.find((rule) => rule.abortPercent > 0);
    let calls = 0;
    return async (request, context) => {
      calls++;
      if (delayMs > 0) {
        onFault?.(method.name, `delay ${delayMs} ms`);
        await sleep(delayMs, context.signal);
      }
      if (abort && crossesPercent(calls, abort.abortPercent)) {
        const code = Status[abort.abortCode];
        onFault?.(method.name, `abort ${code}`);
        throw new RpcError(abort.abortCode, `fault injected: ${method.name} aborted with ${code}`);
      }
      return next(request, context);
    };
  };
}

/** True for the calls that make the aborted share reach the next whole call. */
function crossesPercent(call: number, percent: number): boolean {
  return Math.floor((call * percent) / 100) > Math.floor(((call - 1) * percent) / 100);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    // A caller that gave up is not served after the delay: its deadline or cancel ends the call.
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
