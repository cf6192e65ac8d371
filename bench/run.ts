import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { startEmbeddedPostgres } from "../deploy/local/embedded-postgres.js";
import { type Mesh, serviceNames, startMesh } from "../deploy/local/mesh.js";
import { repoRoot } from "../deploy/local/service-process.js";
import { OrderService } from "../services/gen/shopmesh/order/v1/order_service_pb.js";
import {
  GetProductRequestSchema,
  ProductService,
} from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import {
  GetUserRequestSchema,
  UserService,
} from "../services/gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient } from "../services/kit/index.js";
import { runH2load } from "./h2load.js";
import { startOtlpSink } from "./otlp-sink.js";
import { cpuMicros, peakRssBytes } from "./process-stats.js";
import { type CaseResult, markdownTable, type Ratio, ratioLines } from "./report.js";
import { runUnaryLoad } from "./unary-load.js";

// `make bench`: what each part of the mesh costs, as ratios to a bare grpc-js server measured
// in the same run on the same machine. `--smoke` runs every case briefly (make test keeps the
// harness from rotting; its numbers mean nothing).

const smoke = process.argv.includes("--smoke");
const outArg = process.argv.indexOf("--out");
const outFile =
  outArg > 0 ? (process.argv[outArg + 1] ?? "") : path.join(repoRoot, "bench/results.json");
const shape = smoke
  ? { seconds: 1, warmUp: 0, reps: 1, clients: 2, streams: 8, concurrency: 4, lowRate: 20 }
  : { seconds: 5, warmUp: 2, reps: 3, clients: 4, streams: 32, concurrency: 32, lowRate: 50 };
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const mib = (bytes: number) => bytes / (1024 * 1024);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** Saturation runs (median of the repetitions) and one fixed-rate run of an h2load case. */
async function h2loadCase(
  name: string,
  url: string,
  message: Uint8Array,
  pids: Record<string, number>,
  fixedRateOf: (saturationRps: number) => number,
): Promise<CaseResult> {
  const runs = [];
  for (let rep = 0; rep < shape.reps; rep++) {
    const before = Object.values(pids).map(cpuMicros);
    const run = await runH2load({
      url,
      message,
      clients: shape.clients,
      streams: shape.streams,
      durationSeconds: shape.seconds,
      warmUpSeconds: shape.warmUp,
    });
    const used = Object.values(pids).reduce(
      (sum, pid, i) => sum + cpuMicros(pid) - (before[i] ?? 0),
      0,
    );
    if (run.failed > 0 || run.succeeded === 0)
      throw new Error(`${name}: ${run.failed} of ${run.requests} failed`);
    runs.push({ rps: run.rps, cpu: used / run.requests });
  }
  const saturation = median(runs.map((r) => r.rps));
  const rate = Math.max(1, Math.round(fixedRateOf(saturation)));
  const fixedRate = await runH2load({
    url,
    message,
    clients: shape.clients,
    streams: shape.streams,
    durationSeconds: shape.seconds,
    rate,
  });
  return {
    name,
    rps: saturation,
    p50Ms: fixedRate.p50Ms,
    p99Ms: fixedRate.p99Ms,
    rate,
    rateKept: fixedRate.rps >= rate * 0.95,
    cpuMicrosPerRequest: median(runs.map((r) => r.cpu)),
    peakRssMiB: Object.fromEntries(
      Object.entries(pids).map(([n, pid]) => [n, mib(peakRssBytes(pid))]),
    ),
  };
}

async function startBareServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(repoRoot, "dist/bench/bare-server.js")], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("listening")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`bare server exited (${code})`)));
  });
  return child;
}

const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-"));
await chmod(dir, 0o755); // PostgreSQL runs as its own user when this runs as root
const database = await startEmbeddedPostgres({
  dataDir: path.join(dir, "pg"),
  port: 54400 + Math.floor(Math.random() * 500),
});
const sink = await startOtlpSink();
const results: CaseResult[] = [];
let getUserLowRateP50Ms = Number.NaN;
try {
  // B0: the floor. Same request, same load shape, no mesh at all.
  log("B0: bare grpc-js server");
  const bare = await startBareServer(50099);
  const productRequest = toBinary(
    GetProductRequestSchema,
    create(GetProductRequestSchema, { id: randomUUID() }),
  );
  // Every case's latency is taken at half of this floor's saturation rate.
  const floor = await h2loadCase(
    "B0 bare grpc-js GetProduct",
    "http://127.0.0.1:50099/shopmesh.product.v1.ProductService/GetProduct",
    productRequest,
    { bare: bare.pid ?? 0 },
    (saturation) => (smoke ? 200 : saturation / 2),
  );
  results.push(floor);
  const rate = floor.rate;
  bare.kill("SIGTERM");

  for (const name of serviceNames) await database.ensureDatabase(`bench_${name}`);
  const databaseUrls = {
    user: database.urlOf("bench_user"),
    product: database.urlOf("bench_product"),
    order: database.urlOf("bench_order"),
  };
  const ports = { user: 50151, product: 50152, order: 50153 };
  const variant = async (
    label: string,
    env: Record<string, string>,
    work: (mesh: Mesh, pids: Record<string, number>) => Promise<void>,
  ) => {
    log(`stack: ${label}`);
    const mesh = await startMesh({
      host: "127.0.0.1",
      ports,
      databaseUrls,
      env: {
        LOG_LEVEL: "info",
        OTEL_METRICS_EXPORTER: "none",
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        ...env,
      },
      onOutput: () => {},
    });
    try {
      const pids = Object.fromEntries(serviceNames.map((n) => [n, mesh.process(n)?.pid ?? 0]));
      await work(mesh, pids);
    } finally {
      await mesh.stopAll();
    }
  };

  // Data every case reads, and a product whose stock CreateOrder cannot exhaust.
  let userId = "";
  let productId = "";
  const clientsOf = (mesh: Mesh) => ({
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
  });
  const createOrderCase = async (
    name: string,
    mesh: Mesh,
    pids: Record<string, number>,
  ): Promise<CaseResult> => {
    const { orders } = clientsOf(mesh);
    const place = () =>
      orders.createOrder({ requestId: randomUUID(), userId, items: [{ productId, quantity: 1 }] });
    const runs = [];
    for (let rep = 0; rep < shape.reps; rep++) {
      const before = Object.values(pids).map(cpuMicros);
      const run = await runUnaryLoad(place, {
        concurrency: shape.concurrency,
        durationSeconds: shape.seconds,
      });
      if (run.failed > 0) throw new Error(`${name}: ${run.failed} failed: ${run.firstError}`);
      const used = Object.values(pids).reduce(
        (sum, pid, i) => sum + cpuMicros(pid) - (before[i] ?? 0),
        0,
      );
      runs.push({ rps: run.rps, cpu: used / run.requests });
    }
    const low = await runUnaryLoad(place, {
      concurrency: shape.concurrency,
      durationSeconds: shape.seconds,
      rate: shape.lowRate,
    });
    orders.close();
    return {
      name,
      rps: median(runs.map((r) => r.rps)),
      p50Ms: low.p50Ms,
      p99Ms: low.p99Ms,
      rate: shape.lowRate,
      rateKept: low.rps >= shape.lowRate * 0.95,
      cpuMicrosPerRequest: median(runs.map((r) => r.cpu)),
      peakRssMiB: Object.fromEntries(
        Object.entries(pids).map(([n, pid]) => [n, mib(peakRssBytes(pid))]),
      ),
    };
  };

  await variant("full stack, tracing at 100% (the default)", {}, async (mesh, pids) => {
    const { users, products } = clientsOf(mesh);
    userId = (
      await users.createUser({ email: `${randomUUID()}@bench.example`, displayName: "Bench" })
    ).id;
    const price = { currencyCode: "EUR", minorUnits: 100n };
    productId = (
      await products.createProduct({
        sku: randomUUID(),
        name: "Bench",
        price,
        stock: 2_000_000_000,
      })
    ).id;
    const getProduct = toBinary(
      GetProductRequestSchema,
      create(GetProductRequestSchema, { id: productId }),
    );
    const getUser = toBinary(GetUserRequestSchema, create(GetUserRequestSchema, { id: userId }));
    results.push(
      await h2loadCase(
        "GetProduct, full stack",
        `http://${mesh.addresses.product}/shopmesh.product.v1.ProductService/GetProduct`,
        getProduct,
        pids,
        () => rate,
      ),
    );
    results.push(
      await h2loadCase(
        "GetUser, full stack",
        `http://${mesh.addresses.user}/shopmesh.user.v1.UserService/GetUser`,
        getUser,
        pids,
        () => rate,
      ),
    );
    results.push(await createOrderCase("CreateOrder, full stack (Node client)", mesh, pids));
    // The fan-out target compares CreateOrder with one plain read, both at the low fixed rate
    // from the same Node client, so client overhead cancels out.
    const lowGetUser = await runUnaryLoad(() => users.getUser({ id: userId }), {
      concurrency: shape.concurrency,
      durationSeconds: shape.seconds,
      rate: shape.lowRate,
    });
    getUserLowRateP50Ms = lowGetUser.p50Ms;
    users.close();
    products.close();
  });
  const getProductAt = (mesh: Mesh) =>
    `http://${mesh.addresses.product}/shopmesh.product.v1.ProductService/GetProduct`;
  const productMessage = () =>
    toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { id: productId }));
  await variant("tracing off", { OTEL_TRACES_EXPORTER: "none" }, async (mesh, pids) => {
    results.push(
      await h2loadCase(
        "GetProduct, tracing off",
        getProductAt(mesh),
        productMessage(),
        pids,
        () => rate,
      ),
    );
    results.push(await createOrderCase("CreateOrder, breakers on, tracing off", mesh, pids));
  });
  await variant(
    "tracing at 10%",
    { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" },
    async (mesh, pids) => {
      results.push(
        await h2loadCase(
          "GetProduct, tracing 10%",
          getProductAt(mesh),
          productMessage(),
          pids,
          () => rate,
        ),
      );
    },
  );
  await variant(
    "breakers off",
    { OTEL_TRACES_EXPORTER: "none", CIRCUIT_BREAKERS_ENABLED: "false" },
    async (mesh, pids) => {
      results.push(await createOrderCase("CreateOrder, breakers off, tracing off", mesh, pids));
    },
  );
} finally {
  await sink.close();
  await database.stop();
  await rm(dir, { recursive: true, force: true });
}

const byName = (name: string) => {
  const found = results.find((r) => r.name === name);
  if (!found) throw new Error(`no case ${name}`);
  return found;
};
const ratio = (name: string, value: number, target: string, met: boolean): Ratio => ({
  name,
  value,
  target,
  met,
});
const b0 = byName("B0 bare grpc-js GetProduct");
const full = byName("GetProduct, full stack");
const breakerRatio =
  byName("CreateOrder, breakers on, tracing off").rps /
  byName("CreateOrder, breakers off, tracing off").rps;
const tracingRatio = full.rps / byName("GetProduct, tracing off").rps;
const fanOutRatio = byName("CreateOrder, full stack (Node client)").p50Ms / getUserLowRateP50Ms;
const peakRss = Math.max(
  ...results.filter((r) => r.name !== b0.name).flatMap((r) => Object.values(r.peakRssMiB)),
);
const ratios: Ratio[] = [
  ratio(
    "full-stack GetProduct / B0 throughput",
    full.rps / b0.rps,
    ">= 0.5",
    full.rps / b0.rps >= 0.5,
  ),
  ratio(
    "breakers on / off (CreateOrder throughput)",
    breakerRatio,
    ">= 0.97",
    breakerRatio >= 0.97,
  ),
  ratio(
    "tracing 100% / off (GetProduct throughput)",
    tracingRatio,
    ">= 0.75",
    tracingRatio >= 0.75,
  ),
  ratio("CreateOrder p50 / GetUser p50 at the low rate", fanOutRatio, "<= 2.5", fanOutRatio <= 2.5),
  ratio("peak RSS of any service under load (MiB)", peakRss, "<= 120", peakRss <= 120),
];
const machine = {
  cpus: os.cpus().length,
  model: os.cpus()[0]?.model ?? "?",
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
};
const report = {
  date: new Date().toISOString(),
  smoke,
  machine,
  shape,
  results,
  getUserLowRateP50Ms,
  ratios,
};
await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
console.log(markdownTable(results));
console.log(
  `\nmachine: ${machine.cpus} × ${machine.model}, ${machine.memoryGiB} GiB, Node ${machine.node}${smoke ? " (smoke run: numbers mean nothing)" : ""}`,
);
console.log(`results: ${outFile}\n`);
console.log(ratioLines(ratios));
