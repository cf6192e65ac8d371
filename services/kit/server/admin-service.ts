import { create } from "@bufbuild/protobuf";
import {
  type AdminService,
  CircuitBreakerState,
  type FaultRule as FaultRuleMessage,
  FaultRuleSchema,
} from "../../gen/shopmesh/admin/v1/admin_service_pb.js";
import type { BreakerRegistry, BreakerState } from "../client/circuit-breaker.js";
import { failedPrecondition, invalidArgument, Status } from "../rpc-error.js";
import type { Logger } from "../telemetry/logger.js";
import type { FaultInjector } from "./fault-injection.js";
import { describeFaultRule, type FaultRule, FaultRuleError, faultRule } from "./fault-rules.js";
import type { ServiceHandlers } from "./grpc-service.js";

const states: Record<BreakerState, CircuitBreakerState> = {
  closed: CircuitBreakerState.CLOSED,
  open: CircuitBreakerState.OPEN,
  "half-open": CircuitBreakerState.HALF_OPEN,
};

// The request's field names, for messages that name what the caller sent.
const protoFields: Record<keyof FaultRule, string> = {
  method: "method",
  delayMs: "delay_ms",
  abortPercent: "abort_percent",
  abortCode: "abort_code",
};

/** What AdminService works on in one process. */
export interface AdminDeps {
  readonly breakers: BreakerRegistry;
  readonly faults: FaultInjector;
  /** FAULT_INJECTION_RUNTIME: whether Set/ClearFaultRules may change the rules. */
  readonly faultsSwitchable: boolean;
  readonly logger: Logger;
}

/** shopmesh.admin.v1.AdminService over a process's breakers and fault rules. */
export function adminHandlers(deps: AdminDeps): ServiceHandlers<typeof AdminService> {
  const { breakers, faults, logger } = deps;
  const requireSwitchable = () => {
    if (!deps.faultsSwitchable) {
      throw failedPrecondition(
        "fault rules cannot be changed at run time on this server: start it with FAULT_INJECTION_RUNTIME=true",
        { reason: "FAULTS_NOT_SWITCHABLE" },
      );
    }
  };
  return {
    listCircuitBreakers: async () => ({
      circuitBreakers: breakers.list().map((breaker) => ({
        dependency: breaker.dependency,
        method: breaker.method,
        state: states[breaker.state],
        successes: BigInt(breaker.successes),
        failures: BigInt(breaker.failures),
        rejects: BigInt(breaker.rejects),
      })),
    }),
    listFaultRules: async () => ({ rules: faults.rules.map(toMessage) }),
    setFaultRules: async (request) => {
      requireSwitchable();
      const rules = request.rules.map((rule, index) => fromMessage(rule, index, faults.methods));
      const previous = faults.replace(rules);
      // Warn: a server answering slowly or failing on purpose must be easy to find in the logs.
      logger.warn(
        { faults: rules.map(describeFaultRule), previous: previous.map(describeFaultRule) },
        rules.length > 0 ? "fault rules set at run time" : "fault rules cleared at run time",
      );
      return { rules: rules.map(toMessage) };
    },
    clearFaultRules: async () => {
      requireSwitchable();
      const previous = faults.replace([]);
      logger.warn({ previous: previous.map(describeFaultRule) }, "fault rules cleared at run time");
      return { removedRules: previous.map(toMessage) };
    },
  };
}

/** Checks a requested rule as FAULT_INJECTION's are checked, and that its method exists here. */
function fromMessage(
  message: FaultRuleMessage,
  index: number,
  methods: ReadonlySet<string>,
): FaultRule {
  try {
    const rule = faultRule({
      method: message.method,
      delayMs: message.delayMs,
      abortPercent: message.abortPercent,
      abortCode: message.abortCode || undefined,
    });
    if (rule.method !== "*" && !methods.has(rule.method)) {
      const known = [...methods].sort().join(", ");
      throw invalidArgument(
        `rules[${index}].method`,
        `no RPC named ${rule.method} on this server (one of ${known}, or *)`,
      );
    }
    return rule;
  } catch (error) {
    if (!(error instanceof FaultRuleError)) throw error;
    throw invalidArgument(`rules[${index}].${protoFields[error.field]}`, error.rule);
  }
}

function toMessage(rule: FaultRule): FaultRuleMessage {
  return create(FaultRuleSchema, {
    method: rule.method,
    delayMs: rule.delayMs,
    abortPercent: rule.abortPercent,
    abortCode: Status[rule.abortCode],
  });
}
