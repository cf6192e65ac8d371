// The shared kit: everything a shopmesh service uses besides its own business rules.
export type { CallContext } from "./call-context.js";
export { outlivingCaller } from "./call-scope.js";
export {
  BreakerRegistry,
  type BreakerSettings,
  type BreakerState,
  type BreakerStatus,
} from "./circuit-breaker.js";
export {
  boolean,
  ConfigError,
  grpcTarget,
  integer,
  list,
  oneOf,
  port,
  postgresUrl,
  readConfig,
  type Setting,
  text,
} from "./config.js";
export {
  type ConnectServiceDeps,
  type ConnectServiceParts,
  type ConnectServiceSpec,
  type ExposedService,
  expose,
  type HttpHandler,
  RetryLater,
  runConnectService,
} from "./connect/index.js";
export {
  createPool,
  type Pool,
  type PoolClient,
  type Queryable,
  withTransaction,
} from "./database.js";
export { type DependencyOptions, Downstream } from "./downstream.js";
export {
  checkEach,
  checkFields,
  type ErrorDetails,
  errorDomain,
  mergeFieldViolations,
} from "./error-details/index.js";
export { faultInjection } from "./fault-injection.js";
export { type FaultRule, parseFaultRules } from "./fault-rules.js";
export { portInUse } from "./grpc-server.js";
export {
  type CallObserver,
  type CallOutcome,
  grpcService,
  type ServerStreamingHandler,
  type ServiceHandlers,
  type UnaryCall,
  type UnaryHandler,
  type UnaryInterceptor,
} from "./grpc-service.js";
export { HealthRegistry, LIVENESS, ServingStatus } from "./health.js";
export { type Implementation, implement } from "./implement.js";
export { loadShedding } from "./load-shedding.js";
export { createLogger, type Logger, logFlushIntervalMs } from "./logger.js";
export { type Migration, migrate } from "./migrations.js";
export {
  defaultPageSize,
  maxPageBytes,
  maxPageSize,
  type PageRequest,
  page,
  pageRequest,
} from "./pagination.js";
export { type PeriodicTask, startPeriodicTask } from "./periodic-task.js";
export { RetryBudget, type RetryPolicy, withRetries } from "./retry.js";
export {
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  notFound,
  RpcError,
  Status,
  unavailable,
} from "./rpc-error.js";
export {
  runService,
  type ServiceDeps,
  type ServiceParts,
  type ServiceSpec,
} from "./run-service.js";
export {
  type ClientCallOptions,
  createServiceClient,
  type MethodPolicy,
  type ServiceClient,
  type ServiceClientOptions,
} from "./service-client.js";
export { toRpcError } from "./to-rpc-error.js";
export { formatSpiffeId, parseSpiffeId, spiffeIdSetting } from "./trust/index.js";
export {
  maxItems,
  maxQuantity,
  requireItems,
  requireRange,
  requireText,
  requireUuid,
} from "./validate.js";
