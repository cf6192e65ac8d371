import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import pg from "pg";
import { type ServiceProcess, startServiceProcess } from "../../deploy/local/service-process.js";
import { trustEnvironment } from "../../deploy/local/trust-domain.js";
import { Health } from "../../services/gen/grpc/health/v1/health_pb.js";
import { createServiceClient } from "../../services/kit/index.js";
import { startTestNats, type TestNats } from "./nats-server.js";
import { freePort } from "./ports.js";
import { scrapeMetrics } from "./prometheus.js";
import { startTestMesh, type TestMesh } from "./test-mesh.js";

/**
 * The mesh as processes with a real nats-server, Prometheus metrics on every service, and a
 * second user-service replica on demand (the same database and durable consumer), for the
 * event delivery tests.
 */
export interface EventMesh {
  readonly shop: TestMesh;
  readonly nats: TestNats;
  /** SQL on the orders and the users databases. */
  readonly orders: pg.Pool;
  readonly users: pg.Pool;
  /** Prometheus text of a service (`user-2`: the second replica). */
  metrics(service: "order" | "user" | "user-2"): Promise<string>;
  /** The status a service's health port gives `name` ("" overall, or a component). */
  health(service: "order" | "user", name: string): Promise<string>;
  /** Starts another user-service replica, with extra environment (a crash point). */
  startUserReplica(env: Record<string, string>): Promise<ServiceProcess>;
  /** The durable consumer's counts straight from the broker. */
  consumerInfo(): Promise<{ pending: number; ackPending: number; redelivered: number }>;
  close(): Promise<void>;
}

/** Starts an {@link EventMesh}; `env` goes to every service. */
export async function startEventMesh(
  label: string,
  env: Record<string, string>,
): Promise<EventMesh> {
  const nats = await startTestNats();
  const ports = { order: await freePort(), user: await freePort(), "user-2": await freePort() };
  const prometheus = (port: number) => ({
    OTEL_METRICS_EXPORTER: "prometheus",
    OTEL_EXPORTER_PROMETHEUS_HOST: "127.0.0.1",
    OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
  });
  const shop = await startTestMesh(label, {
    env: { NATS_URL: nats.url, ...env },
    serviceEnv: { user: prometheus(ports.user), order: prometheus(ports.order) },
  });
  const orders = new pg.Pool({ connectionString: shop.databases.order.url, max: 2 });
  const users = new pg.Pool({ connectionString: shop.databases.user.url, max: 2 });
  const replicas: ServiceProcess[] = [];
  return {
    shop,
    nats,
    orders,
    users,
    metrics: (service) => scrapeMetrics(ports[service]),
    health: async (service, name) => {
      const client = createServiceClient(Health, {
        dependency: `${service} health`,
        target: shop.mesh.healthAddresses[service],
        timeoutMs: 2_000,
      });
      try {
        const { status } = await client.check({ service: name });
        return ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"][status] ?? "?";
      } finally {
        client.close();
      }
    },
    startUserReplica: async (extra) => {
      const [port, healthPort] = [await freePort(), await freePort()];
      const replica = await startServiceProcess({
        name: "user",
        address: `127.0.0.1:${healthPort}`,
        env: {
          ...process.env,
          GRPC_HOST: "127.0.0.1",
          GRPC_PORT: String(port),
          HEALTH_PORT: String(healthPort),
          DATABASE_URL: shop.databases.user.url,
          ...trustEnvironment(shop.trust, "user"),
          LOG_LEVEL: "info",
          NATS_URL: nats.url,
          ...env,
          ...prometheus(ports["user-2"]),
          ...extra,
        },
        onOutput: (line) => shop.output.push(`user-2: ${line}`),
      });
      replicas.push(replica);
      return replica;
    },
    consumerInfo: async () => {
      const connection = await connect({ servers: nats.url });
      try {
        const manager = await jetstreamManager(connection);
        const info = await manager.consumers.info("ORDER_EVENTS", "user-service");
        return {
          pending: info.num_pending,
          ackPending: info.num_ack_pending,
          redelivered: info.num_redelivered,
        };
      } finally {
        await connection.close();
      }
    },
    close: async () => {
      for (const replica of replicas) await replica.stop("SIGKILL");
      await orders.end();
      await users.end();
      await shop.close();
      await nats.close();
    },
  };
}
