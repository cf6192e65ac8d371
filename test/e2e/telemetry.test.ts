import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestNats, type TestNats } from "../support/nats-server.js";
import { type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver.js";
import { freePort } from "../support/ports.js";
import { sample, scrapeMetrics } from "../support/prometheus.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";

// The services export real OTLP to a receiver in this test (Jaeger can't run here) and serve
// Prometheus metrics on their own ports.
const root = path.resolve(import.meta.dirname, "../..");
const server = 2;
const client = 3;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let nats: TestNats;
let shop: TestMesh;
let metricsPorts: Record<"user" | "product" | "order", number>;
let userId: string;
let productId: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  nats = await startTestNats();
  metricsPorts = { user: await freePort(), product: await freePort(), order: await freePort() };
  const metricsPort = (name: keyof typeof metricsPorts) => ({
    OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPorts[name]),
  });
  shop = await startTestMesh("telemetry", {
    env: {
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_METRICS_EXPORTER: "prometheus",
      OTEL_EXPORTER_PROMETHEUS_HOST: "127.0.0.1",
      NATS_URL: nats.url,
    },
    serviceEnv: {
      user: metricsPort("user"),
      product: metricsPort("product"),
      order: {
        ...metricsPort("order"),
        BREAKER_VOLUME_THRESHOLD: "2",
        BREAKER_RESET_TIMEOUT_MS: "500",
      },
    },
  });
  userId = (await shop.clients.users.createUser({ email: "t@example.com", displayName: "T" })).id;
  const price = { currencyCode: "EUR", minorUnits: 100n };
  productId = (
    await shop.clients.products.createProduct({ sku: "T-1", name: "T", price, stock: 100 })
  ).id;
});
afterAll(async () => {
  await shop.close();
  await receiver.close();
  await nats.close();
});

/** Runs the CLI like a user would, with tracing to the receiver; returns the trace id it prints. */
async function cliOrder(): Promise<string> {
  const { stderr } = await promisify(execFile)(
    process.execPath,
    [
      path.join(root, "dist/services/cli/main.js"),
      ...["order", "create", "--user", userId, "--item", `${productId}:1`],
    ],
    {
      env: {
        ...process.env,
        SHOPMESH_ORDER_ADDRESS: shop.mesh.addresses.order,
        SHOPMESH_TRUST_DIR: shop.trust.dir,
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      },
    },
  );
  const traceId = /trace_id: ([0-9a-f]{32})/.exec(stderr)?.[1];
  if (!traceId) throw new Error(`no trace id in: ${stderr}`);
  return traceId;
}

function traceOf(traceId: string): ReceivedSpan[] {
  return receiver.spans.filter((span) => span.traceId === traceId);
}

function scrape(name: keyof typeof metricsPorts): Promise<string> {
  return scrapeMetrics(metricsPorts[name]);
}

describe("one order, one trace", () => {
  it("links the CLI, all three services and their SQL in one trace", async () => {
    const traceId = await cliOrder();
    const createOrder = "grpc.shopmesh.order.v1.OrderService/CreateOrder";
    // Each process exports on its own schedule: wait for the order service's server span (it
    // ends last) and the product service's spans, not just any of them.
    await expect
      .poll(() => {
        const received = traceOf(traceId);
        return (
          received.some((span) => span.name === createOrder && span.kind === server) &&
          received.filter((span) => span.service === "product-service").length >= 2
        );
      })
      .toBe(true);
    const spans = traceOf(traceId);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);

    const cli = spans.find((span) => span.service === "shopmesh-cli");
    const order = spans.find((span) => span.name === createOrder && span.kind === server);
    expect(cli?.parentSpanId).toBe("");
    expect(order && parentOf(order)).toBe(cli);
    expect(order?.service).toBe("order-service");
    expect(order?.attributes["rpc.service"]).toBe("shopmesh.order.v1.OrderService");

    for (const [service, method] of [
      ["user-service", "shopmesh.user.v1.UserService/GetUser"],
      ["product-service", "shopmesh.product.v1.ProductService/BatchGetProducts"],
      ["product-service", "shopmesh.inventory.v1.ReservationService/ReserveStock"],
    ] as const) {
      const call = spans.find((span) => span.name === `grpc.${method}` && span.kind === client);
      const served = spans.find((span) => span.name === `grpc.${method}` && span.kind === server);
      expect(call && parentOf(call), `${method} is called by CreateOrder`).toBe(order);
      expect(served && parentOf(served), `${method} is served for that call`).toBe(call);
      expect(served?.service).toBe(service);
      const sql = spans.filter(
        (span) => span.name.startsWith("pg.query") && parentOf(span) === served,
      );
      expect(sql.length, `${method} runs SQL`).toBeGreaterThan(0);
    }
    expect(
      spans.some((span) => span.service === "order-service" && span.name.startsWith("pg.query")),
    ).toBe(true);
  });

  it("continues the order's trace through its event into the user service's handling", async () => {
    const traceId = await cliOrder();
    const consumed = (span: ReceivedSpan) =>
      span.service === "user-service" && span.name === "process order-events.order.confirmed";
    // Wait for both ends: the consumer can finish before the publish's ack returns, so the
    // user service may export its span before the order service exports the send span.
    const publishedAndConsumed = () => {
      const received = traceOf(traceId);
      const handled = received.find(consumed);
      return received.some((span) => span.spanId === handled?.parentSpanId);
    };
    await expect.poll(publishedAndConsumed, { timeout: 15_000 }).toBe(true);
    const spans = traceOf(traceId);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const process = spans.find(consumed);
    const send = process && byId.get(process.parentSpanId);
    expect(send?.name).toBe("send order-events.order.confirmed");
    expect(send?.service).toBe("order-service");
    expect(send?.kind).toBe(4); // PRODUCER
    expect(process?.kind).toBe(5); // CONSUMER
    expect(process?.links).toEqual([{ traceId, spanId: send?.spanId }]);
    // The publish continues the CreateOrder call that confirmed the order.
    const createOrder = send && byId.get(send.parentSpanId);
    expect(createOrder?.name).toBe("grpc.shopmesh.order.v1.OrderService/CreateOrder");
    for (const span of [send, process]) {
      expect(span?.attributes).toMatchObject({
        "messaging.system": "nats",
        "messaging.destination.name": "order-events.order.confirmed",
      });
      expect(span?.attributes["messaging.message.id"]).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(send?.attributes["messaging.operation.type"]).toBe("send");
    expect(process?.attributes).toMatchObject({
      "messaging.operation.type": "process",
      "messaging.consumer.group.name": "user-service",
    });
    // The handling's SQL (the purchase and its event id) sits under the consumer span.
    expect(
      spans.some(
        (span) => span.name.startsWith("pg.query") && span.parentSpanId === process?.spanId,
      ),
    ).toBe(true);
  });

  it("lets the CLI work, and print its trace id, when no collector listens", async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(root, "dist/services/cli/main.js"), "user", "get", userId],
      {
        env: {
          ...process.env,
          SHOPMESH_USER_ADDRESS: shop.mesh.addresses.user,
          SHOPMESH_TRUST_DIR: shop.trust.dir,
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
        },
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ id: userId });
    expect(stderr).toMatch(/^trace_id: [0-9a-f]{32}$/m);
  });

  it("puts the trace id on the service's log lines", async () => {
    const traceId = await cliOrder();
    await expect
      .poll(() => shop.output.some((line) => line.startsWith("order:") && line.includes(traceId)))
      .toBe(true);
  });

  it("marks a failed call as an error with its gRPC status", async () => {
    const ghost = randomUUID();
    await expect(shop.clients.orders.getOrder({ id: ghost })).rejects.toThrow(/not found/);
    await expect
      .poll(() =>
        receiver.spans.find(
          (span) =>
            span.name === "grpc.shopmesh.order.v1.OrderService/GetOrder" &&
            span.attributes["rpc.grpc.status_code"] === 5,
        ),
      )
      .toMatchObject({ statusCode: 2, service: "order-service" });
  });
});

describe("failures in traces and metrics", () => {
  it("shows a breaker rejection on the span and the breaker state in metrics", async () => {
    const before = await scrape("order");
    const labels = { dependency: "product service", method: "BatchGetProducts" };
    expect(sample(before, "shopmesh_circuit_breaker_state", labels)).toBe(0);

    const orderWhileProductIsDown = () =>
      shop.clients.orders
        .createOrder({ requestId: randomUUID(), userId, items: [{ productId, quantity: 1 }] })
        .catch(() => undefined);
    await shop.mesh.stop("product", "SIGKILL");
    try {
      await expect
        .poll(
          async () => {
            await orderWhileProductIsDown();
            return receiver.spans.find((span) =>
              span.events.some((event) => event.name === "circuit_breaker.rejected"),
            );
          },
          { timeout: 15_000 },
        )
        .toMatchObject({
          name: "grpc.shopmesh.order.v1.OrderService/CreateOrder",
          statusCode: 2,
          events: expect.arrayContaining([
            { name: "circuit_breaker.rejected", attributes: labels },
          ]),
        });
      // Open is 2. The breaker half-opens (1) 500 ms after its last rejection, which a loaded
      // machine can spend before the scrape answers: each round calls again first, and a call
      // against a half-open breaker whose trial fails opens it again.
      await expect
        .poll(
          async () => {
            await orderWhileProductIsDown();
            return sample(await scrape("order"), "shopmesh_circuit_breaker_state", labels);
          },
          { timeout: 15_000 },
        )
        .toBe(2);
    } finally {
      await shop.mesh.start("product", {
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPorts.product),
      });
    }
  });

  it("counts calls by method and status code, with latency histograms", async () => {
    const method = "/shopmesh.user.v1.UserService/GetUser";
    const count = async (code: string) =>
      sample(await scrape("user"), "rpc_server_call_duration_count", {
        rpc_method: method,
        rpc_grpc_status: code,
      }) ?? 0;
    const [okBefore, notFoundBefore] = [await count("OK"), await count("NOT_FOUND")];
    await shop.clients.users.getUser({ id: userId });
    await shop.clients.users.getUser({ id: userId });
    await shop.clients.users.getUser({ id: randomUUID() }).catch(() => undefined);
    expect(await count("OK")).toBe(okBefore + 2);
    expect(await count("NOT_FOUND")).toBe(notFoundBefore + 1);
    const text = await scrape("user");
    expect(
      sample(text, "rpc_server_call_duration_bucket", { rpc_method: method, le: "+Inf" }),
    ).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^rpc_server_in_flight_calls\{.*\} 0$/m);
    expect(text).toMatch(/^db_client_connection_count\{.*\} \d+$/m);
  });
});

describe("graceful shutdown", () => {
  it("exports the spans still buffered when SIGTERM arrives", async () => {
    await shop.mesh.stop("user");
    // Spans are exported every 10 minutes at most: only the shutdown flush can deliver them.
    await shop.mesh.start("user", {
      OTEL_BSP_SCHEDULE_DELAY: "600000",
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPorts.user),
    });
    const marker = `${randomUUID()}@example.com`;
    await shop.clients.users.createUser({ email: marker, displayName: "Flush" });
    const created = () =>
      receiver.spans.filter(
        (span) =>
          span.service === "user-service" &&
          span.name === "grpc.shopmesh.user.v1.UserService/CreateUser",
      ).length;
    const before = created();
    expect(await shop.mesh.stop("user")).toBe(0);
    expect(created()).toBe(before + 1);
    await shop.mesh.start("user", { OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPorts.user) });
  });
});
