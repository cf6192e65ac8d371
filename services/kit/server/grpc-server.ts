import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import type { GrpcService } from "./grpc-service.js";
import type { HealthRegistry } from "./health.js";
import { ServingStatus } from "./health.js";

/** Options of {@link startGrpcServer}. */
export interface GrpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly services: readonly GrpcService[];
  /** Extra services with their own registration (reflection). */
  readonly addExtra?: (server: grpc.Server) => void;
  readonly health: HealthRegistry;
  /** mTLS in production; insecure only in tests of other concerns and in plaintext mode. */
  readonly credentials?: grpc.ServerCredentials;
  /** Run on every call of every service (authorization). */
  readonly interceptors?: readonly grpc.ServerInterceptor[];
  /**
   * A second, plaintext port serving only `grpc.health.v1` (this service), for probes that
   * present no client certificate (the kubelet's). 0 = any free port; undefined = none.
   */
  readonly healthOnly?: { readonly port: number; readonly service: GrpcService };
  readonly maxMessageBytes: number;
  /** Closes each connection after this age so clients re-resolve DNS and find new replicas. */
  readonly maxConnectionAgeMs: number;
  /** Time a connection past its age gets to finish in-flight calls. */
  readonly maxConnectionAgeGraceMs: number;
  /** Ping interval on idle connections, so dead peers (a vanished pod) are noticed. */
  readonly keepaliveTimeMs?: number;
  readonly keepaliveTimeoutMs?: number;
}

/** A listening server and the way to stop it gracefully. */
export interface RunningServer {
  readonly port: number;
  /** The plaintext health-only port, when asked for. */
  readonly healthPort: number | undefined;
  /**
   * Drains: NOT_SERVING first, then refuse new calls and finish in-flight ones for up to
   * `graceMs`, then cancel whatever is left.
   */
  drain(graceMs: number): Promise<void>;
}

/** Binds a grpc-js server with the given services, health and reflection. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningServer> {
  const server = new grpc.Server({
    interceptors: [...(options.interceptors ?? [])],
    "grpc.max_receive_message_length": options.maxMessageBytes,
    "grpc.max_send_message_length": options.maxMessageBytes,
    "grpc.max_connection_age_ms": options.maxConnectionAgeMs,
    "grpc.max_connection_age_grace_ms": options.maxConnectionAgeGraceMs,
    "grpc.keepalive_time_ms": options.keepaliveTimeMs ?? 30_000,
    "grpc.keepalive_timeout_ms": options.keepaliveTimeoutMs ?? 10_000,
  });
  for (const service of options.services) {
    server.addService(service.definition, service.implementation);
  }
  options.addExtra?.(server);
  const port = await bind(
    server,
    options.host,
    options.port,
    options.credentials ?? grpc.ServerCredentials.createInsecure(),
  );
  let healthServer: grpc.Server | undefined;
  let healthPort: number | undefined;
  if (options.healthOnly) {
    // Nothing but health on this port: plaintext must not open a way around mTLS.
    healthServer = new grpc.Server();
    healthServer.addService(
      options.healthOnly.service.definition,
      options.healthOnly.service.implementation,
    );
    healthPort = await bind(
      healthServer,
      options.host,
      options.healthOnly.port,
      grpc.ServerCredentials.createInsecure(),
    );
  }
  return {
    port,
    healthPort,
    drain: async (graceMs) => {
      options.health.setAll(ServingStatus.NOT_SERVING);
      options.health.closeWatches();
      await Promise.all([
        shutdown(server, graceMs),
        healthServer && shutdown(healthServer, graceMs),
      ]);
    },
  };
}

async function bind(
  server: grpc.Server,
  host: string,
  port: number,
  credentials: grpc.ServerCredentials,
): Promise<number> {
  // Checked first: grpc-js would print its own error line and a message naming no address.
  if (port !== 0 && (await portInUse(host, port))) {
    throw new BindError(`cannot listen on ${host}:${port}: the port is already in use`, true, port);
  }
  const address = host.includes(":") ? `[${host}]` : host;
  return await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${address}:${port}`, credentials, (error, boundPort) =>
      error ? reject(bindError(error, host, port)) : resolve(boundPort),
    );
  });
}

function shutdown(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

/** Raised when the server cannot listen; `inUse` when another process holds the port. */
export class BindError extends Error {
  override readonly name = "BindError";

  constructor(
    message: string,
    readonly inUse: boolean,
    /** The port that could not be listened on (the gRPC port or the health port). */
    readonly port: number,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

// grpc-js folds the socket's error into its message ("… [listen EADDRINUSE: …]"), without a code.
function bindError(error: Error, host: string, port: number): BindError {
  const inUse = error.message.includes("EADDRINUSE");
  const address = `${host}:${port}`;
  const reason = inUse ? "the port is already in use" : error.message;
  return new BindError(`cannot listen on ${address}: ${reason}`, inUse, port, { cause: error });
}

/** Whether another socket already listens on `host:port` (a quick listen, closed at once). */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "EADDRINUSE"));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}
