// The shared kit: everything a shopmesh service uses besides its own business rules.
export type { CallContext } from "./call-context.js";
export { outlivingCaller } from "./call-scope.js";
export {
  BreakerRegistry,
  type BreakerSettings,
  type BreakerState,
  type BreakerStatus,
  type ClientCallOptions,
  createServiceClient,
  type DependencyOptions,
  Downstream,
  type MethodPolicy,
  RetryBudget,
  type RetryPolicy,
  type ServiceClient,
  type ServiceClientOptions,
  withRetries,
} from "./client/index.js";
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
  defaultPageSize,
  type Migration,
  maxPageBytes,
  maxPageSize,
  migrate,
  type PageRequest,
  type Pool,
  type PoolClient,
  page,
  pageOf,
  pageRequest,
  pageSizeOf,
  type Queryable,
  withTransaction,
} from "./data/index.js";
export {
  checkEach,
  checkFields,
  type ErrorDetails,
  errorDomain,
  mergeFieldViolations,
} from "./error-details/index.js";
export { type PeriodicTask, startPeriodicTask } from "./periodic-task.js";
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
  type CallObserver,
  type CallOutcome,
  type FaultRule,
  faultInjection,
  grpcService,
  HealthRegistry,
  type Implementation,
  implement,
  LIVENESS,
  loadShedding,
  parseFaultRules,
  portInUse,
  type ServerStreamingHandler,
  type ServiceHandlers,
  ServingStatus,
  type UnaryCall,
  type UnaryHandler,
  type UnaryInterceptor,
} from "./server/index.js";
export { createLogger, type Logger, logFlushIntervalMs } from "./telemetry/index.js";
export { toRpcError } from "./to-rpc-error.js";
export { formatSpiffeId, parseSpiffeId, spiffeIdSetting } from "./trust/index.js";
export { canonicalId, distinctItems, requirePresent } from "./validate.js";
export { brokenRules, requestRulesInterceptor, warmRequestRules } from "./validation/index.js";
