import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { Downstream } from "../client/downstream.js";
import { readConfig, type Setting } from "../config.js";
import { callLogger } from "../server/call-logger.js";
import type { CallObserver, UnaryInterceptor } from "../server/grpc-service.js";
import { HealthRegistry, ServingStatus } from "../server/health.js";
import { serverProtection } from "../server/server-protection.js";
import { onShutdownSignal } from "../server/shutdown.js";
import { createLogger, type Logger } from "../telemetry/logger.js";
import { instrumentService } from "../telemetry/metrics.js";
import { shutdownTelemetry } from "../telemetry/telemetry.js";
import { loadWorkloadTrust, type WorkloadTrust } from "../trust/index.js";
import { requestRulesInterceptor, warmRequestRules } from "../validation/index.js";
import { connectRoutes, peerKey } from "./connect-routes.js";
import { type ConnectServiceConfig, connectServiceSettings } from "./connect-settings.js";
import { connectUnaryTaker } from "./connect-unary.js";
import { withCors } from "./cors.js";
import { type ExposedService, expose } from "./exposed-service.js";
import { grpcStreamTaker } from "./grpc-stream.js";
import { type HttpHandler, listenHttp } from "./http-listener.js";
import { servedMethods } from "./served-unary.js";
import { socketAddress } from "./socket-address.js";

type Values<S> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** What a Connect service's `start` gets. */
export interface ConnectServiceDeps<Config> {
  readonly config: ConnectServiceConfig & Config;
  readonly logger: Logger;
  readonly downstream: Downstream;
}

/** What a Connect service's `start` returns. */
export interface ConnectServiceParts {
  readonly services: readonly ExposedService[];
  /** Run after load shedding and fault injection, before the handlers (e.g. sign-in). */
  readonly interceptors?: readonly UnaryInterceptor[];
  /** Answers requests that are no RPC (static files, …); 404 without it. */
  readonly fallback?: HttpHandler;
  readonly stop?: () => void | Promise<void>;
}

/** Everything that makes one Connect service different from another. */
export interface ConnectServiceSpec<Settings extends Record<string, Setting<unknown>>> {
  readonly name: string;
  readonly defaultPort: number;
  readonly settings: Settings;
  readonly start: (
    deps: ConnectServiceDeps<Values<Settings>>,
  ) => ConnectServiceParts | Promise<ConnectServiceParts>;
}

/**
 * The life of a service without a database that answers Connect (JSON and binary), gRPC-Web and
 * gRPC on one port over HTTP/1.1 and HTTP/2: configuration, downstream clients, CORS, body limit,
 * load shedding, health, logs, metrics, traces, graceful shutdown. The edge is one.
 */
export async function runConnectService<Settings extends Record<string, Setting<unknown>>>(
  spec: ConnectServiceSpec<Settings>,
): Promise<void> {
  let config: ConnectServiceConfig & Values<Settings>;
  try {
    config = readConfig({ ...connectServiceSettings(spec.defaultPort), ...spec.settings }) as never;
  } catch (error) {
    process.stderr.write(`${spec.name} service: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(`${spec.name}-service`, config.logLevel);
  if (config.corsAllowedOrigins.includes("*")) {
    logger.warn("CORS_ALLOWED_ORIGINS=*: any web site may call this service from a browser");
  }
  let trust: WorkloadTrust;
  try {
    // The service's own identity, with which it dials the mesh over mTLS.
    trust = await loadWorkloadTrust(
      { ...config, authzPolicyFile: undefined },
      logger,
      "client only",
    );
  } catch (error) {
    logger.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
    await shutdownTelemetry();
    process.exit(2);
  }
  // The kit's own paths forward on the lean HTTP/2 channel; KIT_UNARY_PATHS=false keeps grpc-js.
  const downstream = new Downstream(
    config,
    logger,
    trust,
    config.kitUnaryPaths ? "http2" : "grpc-js",
  );
  const parts = await spec.start({ config, logger, downstream });
  const protection = serverProtection(config, logger);
  const logCall = callLogger(logger);
  const measureCall = instrumentService({
    breakers: downstream.breakers,
    inFlight: protection.inFlight,
  });
  const observer: CallObserver = (outcome) => {
    logCall(outcome);
    measureCall(outcome);
  };
  const health = new HealthRegistry(parts.services.map(({ service }) => service.typeName));
  warmRequestRules(parts.services.map(({ service }) => service));
  const healthService = expose(Health, { check: health.handlers().check });
  // Built once, served by connect-node and by the gRPC stream path alike.
  const methods = servedMethods(
    parts.services,
    // The rules last: what the edge forwards keeps them, and a refused caller costs no check.
    [...protection.interceptors, ...(parts.interceptors ?? []), requestRulesInterceptor()],
    observer,
  );
  const handler = connectNodeAdapter({
    routes: (router) => {
      connectRoutes(methods)(router);
      // Health stays outside shedding and sign-in: probes must see the truth.
      connectRoutes(servedMethods([healthService], [], () => {}))(router);
    },
    readMaxBytes: config.maxBodyBytes,
    contextValues: (request) => createContextValues().set(peerKey, socketAddress(request.socket)),
    ...(parts.fallback ? { fallback: parts.fallback as never } : {}),
  });
  const connectHandler = handler as HttpHandler;
  // Unary calls the kit's own paths answer; connect-node gets the rest (and everything, if off).
  const limits = { readMaxBytes: config.maxBodyBytes };
  const takeConnect = config.kitUnaryPaths ? connectUnaryTaker(methods, limits) : undefined;
  const listener = await listenHttp({
    host: config.host,
    port: config.port,
    handler: withCors(
      takeConnect
        ? (req, res) => takeConnect(req, res) || connectHandler(req, res)
        : connectHandler,
      config.corsAllowedOrigins,
    ),
    // gRPC callers need no CORS (browsers cannot speak it) and skip connect-node's pipeline.
    takeStream: config.kitUnaryPaths ? grpcStreamTaker(methods, limits) : undefined,
    maxConnectionAgeMs: config.maxConnectionAgeMs,
  });
  // No database to watch: serving once listening; the dependencies have breakers of their own.
  health.setAll(ServingStatus.SERVING);
  logger.info({ host: config.host, port: listener.port }, `${spec.name} service listening`);

  onShutdownSignal(async (signal) => {
    logger.info({ signal, grace_ms: config.shutdownGraceMs }, "shutting down");
    health.setAll(ServingStatus.NOT_SERVING);
    await listener.close(config.shutdownGraceMs);
    await parts.stop?.();
    downstream.close();
    trust.close();
    logger.info("stopped");
    await shutdownTelemetry();
  });
}
