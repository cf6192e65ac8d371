import type { DescMethod } from "@bufbuild/protobuf";
import { RpcError, Status } from "../rpc-error.js";
import type { FaultRule } from "./fault-rules.js";
import type { UnaryInterceptor } from "./grpc-service.js";

// The service that switches faults is never faulted itself: a `*` abort at 100% must not lock
// the operator out of clearing it.
const adminServiceName = "shopmesh.admin.v1.AdminService";

/** What one method does under the current rules; `calls` restarts with every change. */
interface MethodFaults {
  readonly delayMs: number;
  readonly abort: FaultRule | undefined;
  calls: number;
}

/**
 * Fault injection for rehearsing outages: delays and aborts calls as the rules say, and the rules
 * can be replaced while the server runs (AdminService/SetFaultRules). Aborts are spread evenly
 * rather than drawn at random (30% aborts calls 4, 7, 10, … after each change), so a rehearsal
 * plays out the same way every time.
 */
export class FaultInjector {
  #rules: readonly FaultRule[];
  #generation = 0;
  readonly #methods = new Set<string>();

  constructor(
    rules: readonly FaultRule[],
    private readonly onFault?: (method: string, fault: string) => void,
  ) {
    this.#rules = rules;
  }

  /** The rules in force. */
  get rules(): readonly FaultRule[] {
    return this.#rules;
  }

  /** RPC names of the server's methods that rules can name (AdminService's excluded). */
  get methods(): ReadonlySet<string> {
    return this.#methods;
  }

  /** Puts `rules` in force for the next calls; returns those they replace. */
  replace(rules: readonly FaultRule[]): readonly FaultRule[] {
    const previous = this.#rules;
    this.#rules = rules;
    this.#generation++;
    return previous;
  }

  /** The interceptor to install on every unary method of the server. */
  readonly interceptor: UnaryInterceptor = (next, method) => {
    if (method.parent.typeName === adminServiceName) return next;
    this.#methods.add(method.name);
    let faults: MethodFaults | undefined;
    let generation = -1;
    return (request, context) => {
      // Re-reading the rules costs one comparison per call until they change.
      if (generation !== this.#generation) {
        faults = faultsOf(this.#rules, method);
        generation = this.#generation;
      }
      if (!faults) return next(request, context);
      return this.#inject(faults, method.name, () => next(request, context), context.signal);
    };
  };

  async #inject(
    faults: MethodFaults,
    method: string,
    handle: () => Promise<unknown>,
    signal: AbortSignal,
  ): Promise<unknown> {
    faults.calls++;
    const call = faults.calls;
    if (faults.delayMs > 0) {
      this.onFault?.(method, `delay ${faults.delayMs} ms`);
      await sleep(faults.delayMs, signal);
    }
    const abort = faults.abort;
    if (abort && crossesPercent(call, abort.abortPercent)) {
      const code = Status[abort.abortCode];
      this.onFault?.(method, `abort ${code}`);
      throw new RpcError(abort.abortCode, `fault injected: ${method} aborted with ${code}`, {
        details: { reason: "FAULT_INJECTED", metadata: { method } },
      });
    }
    return handle();
  }
}

/** A fault injector that keeps `rules` (tests, and servers whose rules never change). */
export function faultInjection(
  rules: readonly FaultRule[],
  onFault?: (method: string, fault: string) => void,
): UnaryInterceptor {
  return new FaultInjector(rules, onFault).interceptor;
}

function faultsOf(rules: readonly FaultRule[], method: DescMethod): MethodFaults | undefined {
  const matching = rules.filter((rule) => rule.method === "*" || rule.method === method.name);
  if (matching.length === 0) return undefined;
  return {
    delayMs: matching.reduce((sum, rule) => sum + rule.delayMs, 0),
    abort: matching.find((rule) => rule.abortPercent > 0),
    calls: 0,
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
