import {
  boolean,
  integer,
  list,
  oneOf,
  port,
  postgresUrl,
  type readConfig,
  type Setting,
  text,
} from "./config.js";
import { parseFaultRules } from "./server/fault-rules.js";
import { logLevels } from "./telemetry/logger.js";
import { trustSettings } from "./trust/index.js";

/** The settings every service reads, with `defaultPort` as its gRPC port unless GRPC_PORT says. */
export function commonSettings(defaultPort: number) {
  return {
    host: { env: "GRPC_HOST", parse: text, default: "0.0.0.0" },
    port: { env: "GRPC_PORT", parse: port, default: defaultPort },
    databaseUrl: { env: "DATABASE_URL", parse: postgresUrl, secret: true, fromFile: true },
    databasePoolMax: { env: "DATABASE_POOL_MAX", parse: integer(1, 1000), default: 10 },
    databaseStartupTimeoutMs: {
      env: "DATABASE_STARTUP_TIMEOUT_MS",
      parse: integer(0),
      default: 30_000,
    },
    // Ceiling of every statement and lock wait; a call's nearer deadline bounds its queries more.
    databaseStatementTimeoutMs: {
      env: "DATABASE_STATEMENT_TIMEOUT_MS",
      parse: integer(0),
      default: 10_000,
    },
    healthCheckIntervalMs: { env: "HEALTH_CHECK_INTERVAL_MS", parse: integer(100), default: 5_000 },
    healthMaxWatches: { env: "HEALTH_MAX_WATCHES", parse: integer(1), default: 1_000 },
    logLevel: { env: "LOG_LEVEL", parse: oneOf(...logLevels), default: "info" },
    shutdownGraceMs: { env: "SHUTDOWN_GRACE_MS", parse: integer(0), default: 10_000 },
    maxMessageBytes: {
      env: "GRPC_MAX_MESSAGE_BYTES",
      parse: integer(1024, 64 * 1024 * 1024),
      default: 4 * 1024 * 1024,
    },
    maxConnectionAgeMs: {
      env: "GRPC_MAX_CONNECTION_AGE_MS",
      parse: integer(1000),
      default: 30_000,
    },
    maxConnectionAgeGraceMs: {
      env: "GRPC_MAX_CONNECTION_AGE_GRACE_MS",
      parse: integer(0),
      default: 10_000,
    },
    keepaliveTimeMs: { env: "GRPC_KEEPALIVE_TIME_MS", parse: integer(1000), default: 30_000 },
    keepaliveTimeoutMs: { env: "GRPC_KEEPALIVE_TIMEOUT_MS", parse: integer(100), default: 10_000 },
    // Server protection
    maxInFlight: { env: "MAX_IN_FLIGHT", parse: integer(1), default: 512 },
    faultInjection: { env: "FAULT_INJECTION", parse: parseFaultRules, default: [] },
    // Weakens the server (callers may slow it down or fail it): off unless asked for.
    faultInjectionRuntime: { env: "FAULT_INJECTION_RUNTIME", parse: boolean, default: false },
    // Identity, mTLS and authorization; the plaintext health-only port sits 10 above the port.
    ...trustSettings(defaultPort + 10),
    // SPIFFE IDs of callers that may act for end users (the edge); empty: nobody may.
    endUserPeers: { env: "END_USER_PEERS", parse: list, default: [] as readonly string[] },
    // Calls to other services
    downstreamTimeoutMs: { env: "DOWNSTREAM_TIMEOUT_MS", parse: integer(1), default: 3_000 },
    downstreamMinTimeoutMs: { env: "DOWNSTREAM_MIN_TIMEOUT_MS", parse: integer(0), default: 5 },
    retryMaxAttempts: { env: "RETRY_MAX_ATTEMPTS", parse: integer(1, 10), default: 3 },
    retryInitialBackoffMs: { env: "RETRY_INITIAL_BACKOFF_MS", parse: integer(1), default: 50 },
    retryMaxBackoffMs: { env: "RETRY_MAX_BACKOFF_MS", parse: integer(1), default: 500 },
    retryBudgetTokens: { env: "RETRY_BUDGET_TOKENS", parse: integer(1, 1000), default: 10 },
    // Off only to measure what the breakers cost (make bench); never in production.
    breakersEnabled: { env: "CIRCUIT_BREAKERS_ENABLED", parse: boolean, default: true },
    breakerErrorThresholdPercent: {
      env: "BREAKER_ERROR_THRESHOLD_PERCENT",
      parse: integer(1, 100),
      default: 50,
    },
    breakerVolumeThreshold: { env: "BREAKER_VOLUME_THRESHOLD", parse: integer(1), default: 5 },
    breakerRollingWindowMs: {
      env: "BREAKER_ROLLING_WINDOW_MS",
      parse: integer(100),
      default: 10_000,
    },
    breakerResetTimeoutMs: { env: "BREAKER_RESET_TIMEOUT_MS", parse: integer(100), default: 5_000 },
  } satisfies Record<string, Setting<unknown>>;
}

/** The common settings, read. */
export type CommonConfig = ReturnType<typeof readConfig<ReturnType<typeof commonSettings>>>;
