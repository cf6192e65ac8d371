import { type Mesh, type MeshOptions, serviceNames, startMesh } from "../deploy/local/mesh.js";
import { OrderService } from "../services/gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../services/gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient } from "../services/kit/index.js";
import { log } from "./bench-shape.js";
import { chartNodeOptions } from "./chart-settings.js";
import { benchPorts } from "./ports.js";

/** What every stack variant shares: the databases and where spans go. */
export interface StackContext {
  readonly databaseUrls: Readonly<Record<(typeof serviceNames)[number], string>>;
  readonly otlpEndpoint: string;
}

/**
 * The bench's mesh settings (without trust): fixed ports, info logs, spans to the sink, and
 * each service's NODE_OPTIONS from the chart's defaults unless `env` sets NODE_OPTIONS.
 */
export function stackMeshOptions(
  context: StackContext,
  env: Record<string, string> = {},
): Omit<MeshOptions, "trust"> {
  const nodeOptions = (name: (typeof serviceNames)[number]) =>
    env.NODE_OPTIONS ?? chartNodeOptions(name);
  return {
    serviceEnv: Object.fromEntries(
      serviceNames.map((name) => [name, { NODE_OPTIONS: nodeOptions(name) }]),
    ),
    host: "127.0.0.1",
    ports: benchPorts.stack,
    healthPorts: benchPorts.stackHealth,
    databaseUrls: context.databaseUrls,
    env: {
      LOG_LEVEL: "info",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: context.otlpEndpoint,
      // No broker unless a case starts one (event-cases.ts): never a `make run` broker on 4222.
      NATS_URL: "nats://127.0.0.1:1",
      ...env,
    },
    onOutput: () => {},
  };
}

/**
 * Runs `work` against the three services started with `env` on top of the bench defaults, then
 * stops them; `pids` names each service's process, for CPU and memory.
 */
export async function withStack(
  context: StackContext,
  label: string,
  env: Record<string, string>,
  work: (mesh: Mesh, pids: Record<string, number>) => Promise<void>,
  serviceEnv: MeshOptions["serviceEnv"] = {},
): Promise<void> {
  log(`stack: ${label}`);
  // h2load cannot present a client certificate: these cases run the stack in plaintext.
  const defaults = stackMeshOptions(context, env);
  const mergedEnv = Object.fromEntries(
    serviceNames.map((name) => [name, { ...defaults.serviceEnv?.[name], ...serviceEnv[name] }]),
  );
  const options = { ...defaults, serviceEnv: mergedEnv, trust: "plaintext" as const };
  const mesh = await startMesh(options);
  try {
    const pids = Object.fromEntries(serviceNames.map((n) => [n, mesh.process(n)?.pid ?? 0]));
    await work(mesh, pids);
  } finally {
    await mesh.stopAll();
  }
}

/** Kit clients of the three services of a running stack (close each when done). */
export function clientsOf(mesh: Mesh) {
  return {
    users: createServiceClient(UserService, {
      dependency: "user",
      target: mesh.addresses.user,
      timeoutMs: 10_000,
    }),
    products: createServiceClient(ProductService, {
      dependency: "product",
      target: mesh.addresses.product,
      timeoutMs: 10_000,
    }),
    orders: createServiceClient(OrderService, {
      dependency: "order",
      target: mesh.addresses.order,
      timeoutMs: 10_000,
    }),
  };
}
