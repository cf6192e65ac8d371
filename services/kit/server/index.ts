// services/kit/server: explicit named exports (no export *).
export { type AdminDeps, adminHandlers } from "./admin-service.js";
export { callLogger } from "./call-logger.js";
export { FaultInjector, faultInjection } from "./fault-injection.js";
export {
  describeFaultRule,
  type FaultRule,
  FaultRuleError,
  faultRule,
  parseFaultRules,
} from "./fault-rules.js";
export {
  BindError,
  type GrpcServerOptions,
  portInUse,
  type RunningServer,
  startGrpcServer,
} from "./grpc-server.js";
export {
  type CallObserver,
  type CallOutcome,
  type GrpcService,
  type GrpcServiceOptions,
  grpcService,
  type ServerStreamingHandler,
  type ServiceHandlers,
  type UnaryCall,
  type UnaryHandler,
  type UnaryInterceptor,
} from "./grpc-service.js";
export { type HealthLimits, HealthRegistry, LIVENESS, ServingStatus } from "./health.js";
export { type Implementation, implement } from "./implement.js";
export { loadShedding, shedRetryDelayMs } from "./load-shedding.js";
export { MalformedMessage, type MessageCodec, messageCodec } from "./message-codec.js";
export { reflectionService } from "./reflection.js";
export {
  encode,
  errorField,
  passThrough,
  type ResponseEncoder,
  undeliverable,
} from "./response-outcome.js";
export { serverProtection } from "./server-protection.js";
export { onShutdownSignal } from "./shutdown.js";
