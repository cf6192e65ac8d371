import {
  integer,
  oneOf,
  port,
  postgresUrl,
  type readConfig,
  type Setting,
  text,
} from "./config.js";
import { logLevels } from "./logger.js";

/** The settings every service reads, with `defaultPort` as its gRPC port unless GRPC_PORT says. */
export function commonSettings(defaultPort: number) {
  return {
    host: { env: "GRPC_HOST", parse: text, default: "0.0.0.0" },
    port: { env: "GRPC_PORT", parse: port, default: defaultPort },
    databaseUrl: { env: "DATABASE_URL", parse: postgresUrl, secret: true },
    databasePoolMax: { env: "DATABASE_POOL_MAX", parse: integer(1, 1000), default: 10 },
    databaseStartupTimeoutMs: {
      env: "DATABASE_STARTUP_TIMEOUT_MS",
      parse: integer(0),
      default: 30_000,
    },
    healthCheckIntervalMs: { env: "HEALTH_CHECK_INTERVAL_MS", parse: integer(100), default: 5_000 },
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
  } satisfies Record<string, Setting<unknown>>;
}

/** The common settings, read. */
export type CommonConfig = ReturnType<typeof readConfig<ReturnType<typeof commonSettings>>>;
