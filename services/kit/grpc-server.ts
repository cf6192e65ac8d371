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
  /**
   * Drains: NOT_SERVING first, then refuse new calls and finish in-flight ones for up to
   * `graceMs`, then cancel whatever is left.
   */
  drain(graceMs: number): Promise<void>;
}

/** Binds a grpc-js server with the given services, health and reflection. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningServer> {
  const server = new grpc.Server({
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
  const address = options.host.includes(":") ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${address}:${options.port}`,
      grpc.ServerCredentials.createInsecure(),
      (error, boundPort) => (error ? reject(error) : resolve(boundPort)),
    );
  });
  return {
    port,
    drain: async (graceMs) => {
      options.health.setAll(ServingStatus.NOT_SERVING);
      options.health.closeWatches();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
