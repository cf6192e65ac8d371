import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { startEmbeddedPostgres } from "../deploy/local/embedded-postgres.js";
import { serviceNames } from "../deploy/local/mesh.js";
import { repoRoot } from "../deploy/local/service-process.js";
import { GetProductRequestSchema } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { GetUserRequestSchema } from "../services/gen/shopmesh/user/v1/user_service_pb.js";
import { shape, smoke } from "./bench-shape.js";
import { chartNodeOptions } from "./chart-settings.js";
import { createOrderCase } from "./create-order-case.js";
import { h2loadSpec } from "./h2load-case.js";
import { saturationSample } from "./measure.js";
import { startOtlpSink } from "./otlp-sink.js";
import { benchPorts } from "./ports.js";
import { peakRssBytes } from "./process-stats.js";
import { withStack } from "./stack.js";
import { createFixture } from "./stack-cases.js";

// `make bench-memory` (~1 min per variant and round): the peak RSS (VmHWM) of each service under
// the bench's 128-stream load (GetProduct and GetUser from h2load, then CreateOrder from the
// Node client, as the full-stack cases), for NODE_OPTIONS variants run in turn, round after
// round, so that each variant's throughput is compared with the others' at the same moment.
// Variants: `chart` (each service's nodeOptions in helm/shopmesh/values.yaml), `none` (no
// flags, V8's defaults), or V8 flags as one argument; with `chart` among them, the result is
// written to bench/memory.json, which the chart's test holds the memory requests to:
//   node dist/bench/memory-run.js chart none "--max-semi-space-size=8" [--rounds 2]

const args = process.argv.slice(2).filter((a) => a !== "--smoke");
const memoryFile = path.join(repoRoot, "bench/memory.json");
const roundsAt = args.indexOf("--rounds");
const rounds = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 2;
const variants = args.length > 0 ? args : ["chart", "none"];
const optionsOf = (variant: string, service: (typeof serviceNames)[number]) =>
  variant === "chart" ? chartNodeOptions(service) : variant === "none" ? "" : variant;

const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-memory-"));
await chmod(dir, 0o755); // PostgreSQL runs as its own user when this runs as root
const database = await startEmbeddedPostgres({
  dataDir: path.join(dir, "pg"),
  port: benchPorts.postgres(),
});
const sink = await startOtlpSink();
const mib = (bytes: number) => Math.round(bytes / (1024 * 1024));
/** One variant's round: throughput of each load and each service's peak RSS. */
interface MemoryRound {
  readonly getProductRps: number;
  readonly getUserRps: number;
  readonly createOrderRps: number;
  readonly peakRssMiB: Record<string, number>;
}
const measured: Record<string, { nodeOptions: Record<string, string>; rounds: MemoryRound[] }> = {};
const loadAtStart = os.loadavg()[0] ?? 0;
try {
  for (const name of serviceNames) await database.ensureDatabase(`bench_${name}`);
  const context = {
    databaseUrls: {
      user: database.urlOf("bench_user"),
      product: database.urlOf("bench_product"),
      order: database.urlOf("bench_order"),
    },
    otlpEndpoint: sink.endpoint,
  };
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) {
      const nodeOptions = Object.fromEntries(
        serviceNames.map((name) => [name, optionsOf(variant, name)]),
      );
      const serviceEnv = Object.fromEntries(
        serviceNames.map((name) => [name, { NODE_OPTIONS: nodeOptions[name] ?? "" }]),
      );
      await withStack(
        context,
        `memory, ${variant}`,
        {},
        async (mesh, pids) => {
          const fixture = await createFixture(mesh);
          const product = toBinary(
            GetProductRequestSchema,
            create(GetProductRequestSchema, { id: fixture.productId }),
          );
          const user = toBinary(
            GetUserRequestSchema,
            create(GetUserRequestSchema, { id: fixture.userId }),
          );
          const url = (address: string, method: string) => `http://${address}/${method}`;
          const getProduct = await saturationSample(
            h2loadSpec(
              "GetProduct",
              url(mesh.addresses.product, "shopmesh.product.v1.ProductService/GetProduct"),
              product,
              pids,
            ),
          );
          const getUser = await saturationSample(
            h2loadSpec(
              "GetUser",
              url(mesh.addresses.user, "shopmesh.user.v1.UserService/GetUser"),
              user,
              pids,
            ),
          );
          const order = await createOrderCase("CreateOrder", mesh, pids, fixture);
          const peakRssMiB = Object.fromEntries(
            serviceNames.map((name) => [name, mib(peakRssBytes(pids[name] ?? 0))]),
          );
          measured[variant] ??= { nodeOptions, rounds: [] };
          measured[variant].rounds.push({
            getProductRps: Math.round(getProduct.rps),
            getUserRps: Math.round(getUser.rps),
            createOrderRps: Math.round(order.rps),
            peakRssMiB,
          });
          console.log(
            `round ${round}, ${variant}: GetProduct ${Math.round(getProduct.rps)}/s, GetUser ${Math.round(getUser.rps)}/s, CreateOrder ${order.rps.toFixed(0)}/s; peak RSS MiB: ${JSON.stringify(peakRssMiB)}`,
          );
        },
        serviceEnv,
      );
    }
  }
  const loadAtEnd = os.loadavg()[0] ?? 0;
  console.log(`load average: ${loadAtStart.toFixed(1)} at start, ${loadAtEnd.toFixed(1)} at end`);
  // Read by the chart's test: the request must cover the peak measured with its own flags.
  if (!smoke && measured.chart) {
    const loadAverage = { atStart: loadAtStart, atEnd: loadAtEnd };
    const report = { at: new Date().toISOString(), loadAverage, shape };
    await writeFile(memoryFile, `${JSON.stringify({ ...report, variants: measured }, null, 2)}\n`);
    console.log(`written to ${memoryFile}`);
  }
} finally {
  await sink.close();
  await database.stop();
  await rm(dir, { recursive: true, force: true });
}
