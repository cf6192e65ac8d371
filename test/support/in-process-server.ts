import { grpcService, HealthRegistry, type Implementation } from "../../services/kit/index.js";
import {
  type GrpcServerOptions,
  type RunningServer,
  startGrpcServer,
} from "../../services/kit/server/grpc-server.js";
import type { GrpcService } from "../../services/kit/server/grpc-service.js";

/** A real grpc-js server on a free loopback port with the given services, in this process. */
export function listenInProcess(
  services: readonly GrpcService[],
  health = new HealthRegistry(services.map((service) => service.typeName)),
  security: Partial<
    Pick<GrpcServerOptions, "credentials" | "interceptors" | "maxConnectionAgeMs">
  > = {},
): Promise<RunningServer> {
  return startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services,
    health,
    maxMessageBytes: 4 * 1024 * 1024,
    maxConnectionAgeGraceMs: 1_000,
    ...security,
    maxConnectionAgeMs: security.maxConnectionAgeMs ?? 60_000,
  });
}

/** A real grpc-js server on a loopback port, serving `implementations` inside the test process. */
export async function serveInProcess(
  implementations: readonly Implementation[],
): Promise<{ address: string; stop(): Promise<void> }> {
  const services = implementations.map(({ service, handlers }) => grpcService(service, handlers));
  const server = await listenInProcess(services);
  return { address: `127.0.0.1:${server.port}`, stop: () => server.drain(1_000) };
}
