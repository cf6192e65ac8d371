import {
  type AdminService,
  CircuitBreakerState,
} from "../gen/shopmesh/admin/v1/admin_service_pb.js";
import type { BreakerRegistry, BreakerState } from "./circuit-breaker.js";
import type { ServiceHandlers } from "./grpc-service.js";

const states: Record<BreakerState, CircuitBreakerState> = {
  closed: CircuitBreakerState.CLOSED,
  open: CircuitBreakerState.OPEN,
  "half-open": CircuitBreakerState.HALF_OPEN,
};

/** shopmesh.admin.v1.AdminService over a process's breakers. */
export function adminHandlers(breakers: BreakerRegistry): ServiceHandlers<typeof AdminService> {
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
  };
}
