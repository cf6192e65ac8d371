import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { startLocalEdge } from "../deploy/local/edge.js";
import { startEmbeddedPostgres } from "../deploy/local/embedded-postgres.js";
import { serviceNames, startMesh } from "../deploy/local/mesh.js";
import { repoRoot } from "../deploy/local/service-process.js";
import { ensureTrustDomain } from "../deploy/local/trust-domain.js";
import {
  GetProductRequestSchema,
  ProductService,
} from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { createServiceClient } from "../services/kit/index.js";
import { runH2load } from "./h2load.js";
import { operatorDial } from "./mtls-cost.js";
import { startOtlpSink } from "./otlp-sink.js";
import { cpuMicros } from "./process-stats.js";
import { clientsOf } from "./stack.js";
import { createFixture } from "./stack-cases.js";
import { runUnaryLoad } from "./unary-load.js";

// `node dist/bench/profile.js <case> [outDir]`: CPU profiles of every process of the mesh (and
// the edge) while one case's load runs, plus each process's CPU per request, to find what a
// request costs. Cases:
//   plain | mtls        GetProduct from the Node client, 32 in flight (mTLS: operator identity)
//   idle-plain | idle-mtls   no load at all: what the processes burn on their own
//   edge | edge-json    GetProduct through the edge with h2load (plaintext mesh)
//   edge-connect        as edge, with KIT_UNARY_PATHS=false (gRPC through connect-node)
//   create-order        CreateOrder from the Node client, 32 in flight, spans exported at 100%
//                       to an in-process OTLP sink (as `make bench`'s full-stack case)
// Profiles go to outDir (default profiles/, git-ignored): open them in Chrome's DevTools or
// summarise them with `node dist/bench/profile-summary.js FILE`.

const [caseName = "mtls", outDir = path.join(repoRoot, "profiles")] = process.argv.slice(2);
const seconds = Number(process.env.PROFILE_SECONDS ?? "10");
const warmUpSeconds = 3;
const hook = path.join(repoRoot, "dist", "bench", "cpu-profile-hook.js");
// PROFILE=off: the same run without the profiler (its sampling thread costs ~15% of a core per
// process), for CPU per request comparable with `make bench`, e.g. in A/B pairs of two builds.
const profiling = process.env.PROFILE !== "off";
const profiled = (name: string): Record<string, string> => (profiling ? profileEnv(name) : {});
const profileEnv = (name: string) => ({
  NODE_OPTIONS: `--import ${hook}`,
  PROFILE_OUT: path.join(outDir, `${caseName}-${name}.cpuprofile`),
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

await mkdir(outDir, { recursive: true });
const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-profile-"));
await chmod(dir, 0o755);
const database = await startEmbeddedPostgres({
  dataDir: path.join(dir, "pg"),
  port: 54900 + Math.floor(Math.random() * 90),
});
try {
  for (const name of serviceNames) await database.ensureDatabase(`profile_${name}`);
  const mtls = caseName.endsWith("mtls");
  const trust = mtls ? await ensureTrustDomain({ dir: path.join(dir, "trust") }) : "plaintext";
  const orders = caseName === "create-order";
  const sink = orders ? await startOtlpSink() : undefined;
  const quiet = {
    LOG_LEVEL: "info",
    OTEL_METRICS_EXPORTER: "none",
    NATS_URL: "nats://127.0.0.1:1",
    ...(sink
      ? { OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint }
      : { OTEL_TRACES_EXPORTER: "none" }),
  };
  const mesh = await startMesh({
    host: "127.0.0.1",
    ports: { user: 50251, product: 50252, order: 50253 },
    healthPorts: { user: 50261, product: 50262, order: 50263 },
    trust,
    databaseUrls: {
      user: database.urlOf("profile_user"),
      product: database.urlOf("profile_product"),
      order: database.urlOf("profile_order"),
    },
    env: quiet,
    serviceEnv: Object.fromEntries(serviceNames.map((name) => [name, profiled(name)])),
    onOutput: () => {},
  });
  try {
    const pids: Record<string, number> = Object.fromEntries(
      serviceNames.map((name) => [name, mesh.process(name)?.pid ?? 0]),
    );
    const products = createServiceClient(ProductService, {
      dependency: "product",
      target: mesh.addresses.product,
      timeoutMs: 10_000,
      ...(trust === "plaintext" ? {} : operatorDial(trust, "product")),
    });
    const productId = (
      await products.createProduct({
        sku: randomUUID(),
        name: "Profile",
        price: { currencyCode: "EUR", minorUnits: 100n },
        stock: 1000,
      })
    ).id;
    // Runs `load` for warm-up + `seconds`, profiling and counting CPU over the last `seconds`.
    const measure = async (
      load: (durationSeconds: number) => Promise<{ requests?: number; rps?: number }>,
    ) => {
      const running = load(warmUpSeconds + seconds);
      await sleep(warmUpSeconds * 1000);
      const signal = () => {
        if (!profiling) return;
        for (const pid of Object.values(pids)) process.kill(pid, "SIGUSR2");
      };
      const before = Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, cpuMicros(p)]));
      const self = process.cpuUsage();
      signal();
      await sleep(seconds * 1000);
      signal();
      const used = Object.fromEntries(
        Object.entries(pids).map(([n, p]) => [n, cpuMicros(p) - (before[n] ?? 0)]),
      );
      const client = process.cpuUsage(self);
      const result = await running;
      await sleep(1000);
      // The window's requests, at the run's mean rate (the run also holds the warm-up).
      const served = (result.rps ?? 0) * seconds;
      const services = serviceNames.reduce((sum, name) => sum + (used[name] ?? 0), 0);
      return {
        result,
        cpuMicros: { ...used, client: client.user + client.system },
        ...(served > 0 && { servicesCpuMicrosPerRequest: Math.round(services / served) }),
        loadAverage: os.loadavg()[0],
      };
    };
    let report: unknown;
    if (orders) {
      const fixture = await createFixture(mesh);
      const { orders: orderClient } = clientsOf(mesh);
      report = await measure((durationSeconds) =>
        runUnaryLoad(
          () =>
            orderClient.createOrder({
              requestId: randomUUID(),
              userId: fixture.userId,
              items: [{ productId: fixture.productId, quantity: 1 }],
            }),
          { concurrency: 32, durationSeconds },
        ),
      );
      orderClient.close();
    } else if (caseName === "plain" || caseName === "mtls") {
      report = await measure((durationSeconds) =>
        runUnaryLoad(() => products.getProduct({ id: productId }), {
          concurrency: 32,
          durationSeconds,
        }),
      );
    } else if (caseName.startsWith("idle")) {
      report = await measure(async (durationSeconds) => {
        await sleep(durationSeconds * 1000);
        return {};
      });
    } else {
      const { address, edge } = await startLocalEdge({
        host: "127.0.0.1",
        port: 50270,
        dataDir: path.join(dir, "edge"),
        addresses: mesh.addresses,
        trust: "plaintext",
        onOutput: () => {},
        env: {
          ...quiet,
          RATE_LIMIT_ADDRESS_PER_SECOND: "1000000000",
          RATE_LIMIT_ADDRESS_BURST: "1000000000",
          RATE_LIMIT_USER_PER_SECOND: "1000000000",
          RATE_LIMIT_USER_BURST: "1000000000",
          ...(caseName === "edge-connect" && { KIT_UNARY_PATHS: "false" }),
          ...profiled("edge"),
        },
      });
      pids.edge = edge.child?.pid ?? 0;
      try {
        const json = caseName === "edge-json";
        const message = json
          ? new TextEncoder().encode(JSON.stringify({ id: productId }))
          : toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { id: productId }));
        report = await measure((durationSeconds) =>
          runH2load({
            url: `http://${address}/shopmesh.product.v1.ProductService/GetProduct`,
            message,
            clients: json ? 32 : 4,
            streams: json ? 1 : 32,
            durationSeconds,
            ...(json && { connectJson: true }),
          }),
        );
      } finally {
        await edge.close();
      }
    }
    products.close();
    process.stdout.write(`${caseName}: ${JSON.stringify(report)}\n`);
  } finally {
    await mesh.stopAll();
    await sink?.close();
  }
  for (const name of [...serviceNames, "edge"]) {
    const file = profileEnv(name).PROFILE_OUT;
    if (profiling && existsSync(file)) process.stdout.write(`profile: ${file}\n`);
  }
} finally {
  await database.stop();
  await rm(dir, { recursive: true, force: true });
}
