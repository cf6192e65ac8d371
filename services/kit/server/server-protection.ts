import type { CommonConfig } from "../service-config.js";
import type { Logger } from "../telemetry/logger.js";
import { eventCounter } from "../telemetry/metrics.js";
import { spanEvent } from "../telemetry/telemetry.js";
import { FaultInjector } from "./fault-injection.js";
import { describeFaultRule } from "./fault-rules.js";
import type { UnaryInterceptor } from "./grpc-service.js";
import { loadShedding } from "./load-shedding.js";

/** Load shedding first (refusing is cheapest), then the fault rules in force, if any. */
export function serverProtection(
  config: Pick<CommonConfig, "maxInFlight" | "faultInjection" | "faultInjectionRuntime">,
  logger: Logger,
): { interceptors: UnaryInterceptor[]; inFlight: () => number; faults: FaultInjector } {
  const shedCalls = eventCounter("shopmesh.load_shed", "Calls refused with RESOURCE_EXHAUSTED");
  const shedding = loadShedding(config.maxInFlight, (method, inFlight) => {
    shedCalls.add(1, { "rpc.method": method });
    spanEvent("load_shed", { in_flight: inFlight, limit: config.maxInFlight });
    logger.warn({ method, in_flight: inFlight }, "load shed: RESOURCE_EXHAUSTED");
  });
  const injected = eventCounter("shopmesh.faults_injected", "Delays and aborts injected");
  // Installed even without rules: AdminService/SetFaultRules can add some while the server runs.
  const faults = new FaultInjector(config.faultInjection, (method, fault) => {
    injected.add(1, { "rpc.method": method, fault });
    spanEvent("fault_injected", { fault });
    logger.info({ method, fault }, "fault injected");
  });
  if (config.faultInjection.length > 0) {
    logger.warn({ faults: config.faultInjection.map(describeFaultRule) }, "fault injection is ON");
  }
  if (config.faultInjectionRuntime) {
    logger.warn(
      "fault rules can be changed at run time (FAULT_INJECTION_RUNTIME=true): any caller that reaches AdminService can slow down or fail this server",
    );
  }
  return {
    interceptors: [shedding.interceptor, faults.interceptor],
    inFlight: shedding.inFlight,
    faults,
  };
}
