import { faultInjection } from "./fault-injection.js";
import type { UnaryInterceptor } from "./grpc-service.js";
import { loadShedding } from "./load-shedding.js";
import type { Logger } from "./logger.js";
import { eventCounter } from "./metrics.js";
import type { CommonConfig } from "./service-config.js";
import { spanEvent } from "./telemetry.js";

/** Load shedding first (refusing is cheapest), then any configured faults. */
export function serverProtection(
  config: Pick<CommonConfig, "maxInFlight" | "faultInjection">,
  logger: Logger,
): { interceptors: UnaryInterceptor[]; inFlight: () => number } {
  const shedCalls = eventCounter("shopmesh.load_shed", "Calls refused with RESOURCE_EXHAUSTED");
  const shedding = loadShedding(config.maxInFlight, (method, inFlight) => {
    shedCalls.add(1, { "rpc.method": method });
    spanEvent("load_shed", { in_flight: inFlight, limit: config.maxInFlight });
    logger.warn({ method, in_flight: inFlight }, "load shed: RESOURCE_EXHAUSTED");
  });
  const interceptors = [shedding.interceptor];
  if (config.faultInjection.length > 0) {
    logger.warn({ faults: config.faultInjection }, "fault injection is ON");
    const injected = eventCounter("shopmesh.faults_injected", "Delays and aborts injected");
    interceptors.push(
      faultInjection(config.faultInjection, (method, fault) => {
        injected.add(1, { "rpc.method": method, fault });
        spanEvent("fault_injected", { fault });
        logger.info({ method, fault }, "fault injected");
      }),
    );
  }
  return { interceptors, inFlight: shedding.inFlight };
}
