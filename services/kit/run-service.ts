import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { AdminService } from "../gen/shopmesh/admin/v1/admin_service_pb.js";
import { Downstream } from "./client/downstream.js";
import { readConfig, type Setting } from "./config.js";
import { createPool, type Pool } from "./data/database.js";
import { monitorDatabase } from "./data/database-monitor.js";
import { type Migration, migrate } from "./data/migrations.js";
import { endUserInterceptor } from "./end-user/index.js";
import { Status } from "./rpc-error.js";
import { adminHandlers } from "./server/admin-service.js";
import { callLogger } from "./server/call-logger.js";
import { BindError, startGrpcServer } from "./server/grpc-server.js";
import { type CallObserver, grpcService } from "./server/grpc-service.js";
import { HealthRegistry, ServingStatus } from "./server/health.js";
import { type Implementation, implement } from "./server/implement.js";
import { lazyReflectionService } from "./server/lazy-reflection.js";
import { serverProtection } from "./server/server-protection.js";
import { onShutdownSignal } from "./server/shutdown.js";
import { type CommonConfig, commonSettings } from "./service-config.js";
import { createLogger, type Logger } from "./telemetry/logger.js";
import { instrumentService } from "./telemetry/metrics.js";
import { shutdownTelemetry } from "./telemetry/telemetry.js";
import { toRpcError } from "./to-rpc-error.js";
import { loadWorkloadTrust, type WorkloadTrust } from "./trust/index.js";
import { requestRulesInterceptor, warmRequestRules } from "./validation/index.js";

type Values<S> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** What a service's `start` gets: its configuration, database, logger and downstream clients. */
export interface ServiceDeps<Config> {
  readonly config: CommonConfig & Config;
  readonly pool: Pool;
  readonly logger: Logger;
  /** Connects to other services with deadlines, retries and breakers; closed at shutdown. */
  readonly downstream: Downstream;
  /**
   * Reports a component the service works without (the event broker) up or down: health shows
   * it under its own name (degraded), never as the whole service NOT_SERVING.
   */
  readonly reportComponent: (name: string, up: boolean) => void;
}

/** What a service's `start` returns: its implementations and what to close at shutdown. */
export interface ServiceParts {
  readonly implementations: readonly Implementation[];
  /** Runs after the server drained, before the database pool closes. */
  readonly stop?: () => void | Promise<void>;
}

/** Everything that makes one service different from the others. */
export interface ServiceSpec<Settings extends Record<string, Setting<unknown>>> {
  /** Short name: "user", "product", "order". */
  readonly name: string;
  readonly defaultPort: number;
  readonly migrations: readonly Migration[];
  /** Settings beyond the common ones. */
  readonly settings: Settings;
  readonly start: (deps: ServiceDeps<Values<Settings>>) => ServiceParts;
}

/**
 * The whole life of a service process: configuration, database and migrations, gRPC server with
 * health and reflection, health that follows the database, graceful shutdown on SIGTERM/SIGINT.
 */
export async function runService<Settings extends Record<string, Setting<unknown>>>(
  spec: ServiceSpec<Settings>,
): Promise<void> {
  let config: CommonConfig & Values<Settings>;
  try {
    config = readConfig({ ...commonSettings(spec.defaultPort), ...spec.settings }) as never;
  } catch (error) {
    process.stderr.write(`${spec.name} service: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(`${spec.name}-service`, config.logLevel);
  const pool = createPool({
    url: config.databaseUrl,
    max: config.databasePoolMax,
    applicationName: `shopmesh-${spec.name}`,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  });
  try {
    await migrateWhenReachable(pool, spec.migrations, logger, config.databaseStartupTimeoutMs);
  } catch (error) {
    // One clear line for the operator (and a restart by Kubernetes), not a stack trace.
    logger.fatal({ err: error }, "cannot start: database unusable");
    process.exit(1);
  }

  let trust: WorkloadTrust;
  try {
    trust = await loadWorkloadTrust(config, logger);
  } catch (error) {
    // No identity or no valid policy: refuse to start rather than serve unprotected.
    logger.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
    await shutdownTelemetry();
    process.exit(2);
  }
  const downstream = new Downstream(config, logger, trust);
  // Components report before the health registry exists (it needs start's services): kept here
  // and handed over once it does.
  const components = new Map<string, boolean>();
  let reportTo: HealthRegistry | undefined;
  const reportComponent = (name: string, up: boolean) => {
    components.set(name, up);
    reportTo?.setComponent(name, up);
  };
  const parts = spec.start({ config, pool, logger, downstream, reportComponent });
  const protection = serverProtection(config, logger);
  const { inFlight, faults } = protection;
  const interceptors = [
    ...protection.interceptors,
    endUserInterceptor(new Set(config.endUserPeers)),
    // Innermost: a shed or unauthorized call costs no validation.
    requestRulesInterceptor(),
  ];
  const admin = adminHandlers({
    breakers: downstream.breakers,
    faults,
    faultsSwitchable: config.faultInjectionRuntime,
    logger,
  });
  const implementations = [...parts.implementations, implement(AdminService, admin)];
  // Before the server listens (and so before health says SERVING): the first call would pay it.
  warmRequestRules(implementations.map((i) => i.service));
  const logCall = callLogger(logger);
  const measureCall = instrumentService({ breakers: downstream.breakers, inFlight });
  const observer: CallObserver = (outcome) => {
    logCall(outcome);
    measureCall(outcome);
  };
  const options = { observer, interceptors, maxResponseBytes: config.maxMessageBytes };

  const services = implementations.map(({ service, handlers }) =>
    grpcService(service, handlers, options),
  );
  const health = new HealthRegistry(
    services.map((service) => service.typeName),
    { maxWatches: config.healthMaxWatches },
  );
  for (const [name, up] of components) health.setComponent(name, up);
  reportTo = health;
  // Health stays outside load shedding and fault injection: probes must see the truth. Its Watch
  // streams are bounded by HEALTH_MAX_WATCHES instead.
  const healthService = grpcService(Health, health.handlers(), {
    maxResponseBytes: config.maxMessageBytes,
  });
  services.push(healthService);
  const reflection = lazyReflectionService([...implementations.map((i) => i.service), Health]);
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    services,
    addExtra: (grpcServer) => reflection.addToServer(grpcServer),
    health,
    credentials: trust.serverCredentials,
    interceptors: trust.serverInterceptors,
    healthOnly: { port: config.healthPort, service: healthService },
    maxMessageBytes: config.maxMessageBytes,
    maxConnectionAgeMs: config.maxConnectionAgeMs,
    maxConnectionAgeGraceMs: config.maxConnectionAgeGraceMs,
    keepaliveTimeMs: config.keepaliveTimeMs,
    keepaliveTimeoutMs: config.keepaliveTimeoutMs,
  }).catch((error: unknown) => {
    // One line naming the address and what to change, not a grpc-js stack trace.
    const variable =
      error instanceof BindError && error.port === config.healthPort ? "HEALTH_PORT" : "GRPC_PORT";
    const hint =
      error instanceof BindError && error.inUse ? `; set ${variable} to a free port` : "";
    process.stderr.write(`${spec.name} service: ${(error as Error).message}${hint}\n`);
    process.exit(1);
  });
  const monitor = monitorDatabase(config.databaseUrl, config.healthCheckIntervalMs, (reachable) => {
    health.setAll(reachable ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    if (reachable) logger.info("database reachable: serving");
    else logger.warn("database unreachable: not serving");
  });
  logger.info(
    {
      host: config.host,
      port: server.port,
      health_port: server.healthPort,
      identity: trust.identity,
      mtls: !config.insecurePlaintext,
    },
    `${spec.name} service listening`,
  );

  onShutdownSignal(async (signal) => {
    logger.info({ signal, grace_ms: config.shutdownGraceMs }, "shutting down");
    await monitor.stop();
    await server.drain(config.shutdownGraceMs);
    await parts.stop?.();
    downstream.close();
    trust.close();
    await pool.end();
    logger.info("stopped");
    await shutdownTelemetry();
  });
}

async function migrateWhenReachable(
  pool: Pool,
  migrations: readonly Migration[],
  logger: Logger,
  timeoutMs: number,
): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    try {
      await migrate(pool, migrations, logger);
      return;
    } catch (error) {
      // Only waiting helps an unreachable database; any other failure is final.
      if (toRpcError(error).code !== Status.UNAVAILABLE || Date.now() >= giveUpAt) throw error;
      logger.warn({ err: error }, "database not reachable yet, retrying");
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
