// services/kit/client: explicit named exports (no export *).
export {
  BreakerRegistry,
  type BreakerSettings,
  type BreakerState,
  type BreakerStatus,
} from "./circuit-breaker.js";
export { type DependencyOptions, Downstream, type DownstreamConfig } from "./downstream.js";
export { EncodedMessage, keepEncoded } from "./encoded-message.js";
export { RetryBudget, type RetryOptions, type RetryPolicy, withRetries } from "./retry.js";
export {
  type ClientCallOptions,
  createServiceClient,
  type EncodedMethods,
  type MethodPolicy,
  type ServiceClient,
  type ServiceClientOptions,
} from "./service-client.js";
export {
  type AttemptBounds,
  type DownstreamMethod,
  downstreamError,
  sendUnary,
} from "./unary-attempt.js";
