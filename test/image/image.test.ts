import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerSpec } from "../../deploy/image/container-spec.js";
import { cpuPeerCgroup } from "../../deploy/image/cpu-peer-cgroup.js";
import {
  containerPid,
  processUid,
  type ServiceContainer,
  startServiceContainer,
} from "../../deploy/image/service-container.js";
import { type ServiceName, serviceNames } from "../../deploy/local/mesh.js";
import { renderChartConfig } from "../../deploy/sim/chart-config.js";
import {
  Health,
  HealthCheckResponse_ServingStatus,
} from "../../services/gen/grpc/health/v1/health_pb.js";
import { createServiceClient } from "../../services/kit/index.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { freePort } from "../support/ports.js";

// `make image-test` builds the image and runs this file with SHOPMESH_IMAGE set; `make test`
// skips it (the build takes minutes: see the README's image section for the numbers).
const image = process.env.SHOPMESH_IMAGE ?? "";
const tool = process.env.CONTAINER_TOOL || "podman";
const run = promisify(execFile);

const fullNames: Record<ServiceName, string> = {
  user: "shopmesh.user.v1.UserService",
  product: "shopmesh.product.v1.ProductService",
  order: "shopmesh.order.v1.OrderService",
};

describe.skipIf(image === "")(`the image ${image}`, () => {
  const containers = new Map<ServiceName, ServiceContainer>();
  const output = new Map<ServiceName, string[]>();
  const addresses = {} as Record<ServiceName, string>;
  let databases: TestDatabase[] = [];

  /** The CLI from the image, as a container of its own: its JSON answer. */
  const cli = async (...args: string[]): Promise<Record<string, unknown>> => {
    const { stdout } = await run(tool, [
      ...["run", "--rm", "--network", "host", "--read-only", "--env", "OTEL_SDK_DISABLED=true"],
      ...[image, "node", "dist/services/cli/main.js", "--plaintext"],
      ...["--user-address", addresses.user, "--product-address", addresses.product],
      ...["--order-address", addresses.order, ...args],
    ]);
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  beforeAll(async () => {
    const chart = await renderChartConfig();
    // Each container weighs like one process on a busy host, not all of them together like one.
    const cgroupParent = await cpuPeerCgroup(tool);
    databases = await Promise.all(serviceNames.map((name) => createTestDatabase(`image_${name}`)));
    for (const name of serviceNames) addresses[name] = `127.0.0.1:${await freePort()}`;
    for (const [index, name] of serviceNames.entries()) {
      // The chart's command, read-only root, dropped capabilities and /tmp emptyDir, but not its
      // runAsUser: the user checked below must be the image's own USER.
      const { user: _chartUser, ...spec }: ContainerSpec = chart.services[name].container();
      const lines: string[] = [];
      output.set(name, lines);
      const container = await startServiceContainer({
        tool,
        image,
        containerName: `shopmesh-image-test-${process.pid}-${name}`,
        service: name,
        address: addresses[name],
        spec,
        env: {
          GRPC_HOST: "127.0.0.1",
          GRPC_PORT: addresses[name].split(":")[1] ?? "",
          DATABASE_URL: databases[index]?.url ?? "",
          USER_SERVICE_TARGET: addresses.user,
          PRODUCT_SERVICE_TARGET: addresses.product,
          OTEL_TRACES_EXPORTER: "none",
          OTEL_METRICS_EXPORTER: "none",
          OTEL_LOGS_EXPORTER: "none",
          // This test checks the image (user, file system, signals, the CLI in it); mTLS is
          // tested with processes, and the trust files are not mounted into containers yet.
          INSECURE_PLAINTEXT: "true",
        },
        ...(cgroupParent === undefined ? {} : { cgroupParent }),
        onOutput: (line) => lines.push(line),
      });
      containers.set(name, container);
    }
  }, 120_000);

  afterAll(async () => {
    for (const container of containers.values()) await container.stop("SIGKILL");
    for (const database of databases) await database.drop();
  });

  it("runs every service as uid 10001, the image's user", async () => {
    for (const container of containers.values()) {
      const pid = await containerPid(tool, container.containerName);
      expect(await processUid(pid)).toBe(10001);
    }
  });

  it("runs every service on a read-only root filesystem, with /tmp writable", async () => {
    for (const container of containers.values()) {
      const write = (file: string) =>
        run(tool, ["exec", container.containerName, "sh", "-c", `echo x > ${file}`]);
      await expect(write("/app/probe")).rejects.toThrow(/Read-only file system/);
      await write("/tmp/probe");
    }
  });

  it("answers health checks for the server and each service name", async () => {
    for (const name of serviceNames) {
      const health = createServiceClient(Health, {
        dependency: name,
        target: addresses[name],
        timeoutMs: 5_000,
      });
      try {
        for (const service of ["", fullNames[name]]) {
          const { status } = await health.check({ service });
          expect(status).toBe(HealthCheckResponse_ServingStatus.SERVING);
        }
      } finally {
        health.close();
      }
    }
    const { statuses } = await cli("health");
    // Besides the three, order and user report their event broker (degraded while none runs).
    expect(Object.keys(statuses as object).sort()).toEqual([
      "order",
      "order/events-broker",
      "product",
      "user",
      "user/events-broker",
    ]);
  });

  it("places and cancels an order with the CLI from the image", async () => {
    const user = await cli("user", "create", "--email", "img@example.com", "--name", "Img");
    const product = await cli(
      ...["product", "create", "--sku", "IMG-1", "--name", "Mug"],
      ...["--price", "12.50", "--currency", "EUR", "--stock", "5"],
    );
    const order = await cli(
      ...["order", "create", "--user", String(user.id)],
      ...["--item", `${String(product.id)}:2`, "--request-id", "image-test-1"],
    );
    expect(order.status).toBe("ORDER_STATUS_CONFIRMED");
    expect((await cli("product", "get", String(product.id))).stock).toBe(3);
    const cancelled = await cli("order", "cancel", String(order.id));
    expect(cancelled.status).toBe("ORDER_STATUS_CANCELLED");
    expect((await cli("product", "get", String(product.id))).stock).toBe(5);
  }, 60_000);

  it("stops every service cleanly on SIGTERM (exit 0 after draining)", async () => {
    for (const name of [...serviceNames].reverse()) {
      const container = containers.get(name);
      // The chart's grace period is 20 s; a container still running by then would be killed.
      const giveUp = new Promise((resolve) =>
        setTimeout(() => resolve("still running 20 s after SIGTERM"), 20_000).unref(),
      );
      expect(await Promise.race([container?.stop("SIGTERM"), giveUp])).toBe(0);
      const logged = (output.get(name) ?? []).map((line) => /"msg":"([^"]+)"/.exec(line)?.[1]);
      expect(logged).toContain("shutting down");
      expect(logged.at(-1)).toBe("stopped");
      containers.delete(name);
    }
  }, 60_000);
});
