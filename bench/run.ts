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
import { startBareServer } from "./bare-server-process.js";
import { breakerOverheadMicros } from "./breaker-overhead.js";
import { runH2load } from "./h2load.js";
import { measureCase } from "./measure.js";
import { type MtlsCost, measureMtlsCost } from "./mtls-cost.js";
import { startOtlpSink } from "./otlp-sink.js";
import { type CaseResult, markdownTable, type Ratio, ratioLines, thisMachine } from "./report.js";
import { cacheMissCase, heapCapOptions, heapCappedCase, targetRatios } from "./targets.js";
import { handshakeLine } from "./tls-handshake.js";
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
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** An h2load case: saturation runs and one fixed-rate run with the same load shape. */
function h2loadCase(
  name: string,
  url: string,
  message: Uint8Array,
  pids: Record<string, number>,
  fixedRateOf: (saturationRps: number) => number,
): Promise<CaseResult> {
  const load = {
    url,
    message,
    clients: shape.clients,
    streams: shape.streams,
    durationSeconds: shape.seconds,
  };
  return measureCase({
    name,
    pids,
    reps: shape.reps,
    saturate: () => runH2load({ ...load, warmUpSeconds: shape.warmUp }),
    fixedRateOf,
    atRate: (rate) => runH2load({ ...load, rate }),
  });
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
const mtlsRatios: Ratio[] = [];
let handshake: MtlsCost["handshake"] | undefined;
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
  const healthPorts = { user: 50161, product: 50162, order: 50163 };
  const meshEnv = {
    LOG_LEVEL: "info",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
  };
  const variant = async (
    label: string,
    env: Record<string, string>,
    work: (mesh: Mesh, pids: Record<string, number>) => Promise<void>,
  ) => {
    log(`stack: ${label}`);
    const mesh = await startMesh({
      ...{ host: "127.0.0.1", ports, healthPorts, databaseUrls, onOutput: () => {} },
      // h2load cannot present a client certificate: these cases run the stack in plaintext.
      trust: "plaintext",
      env: { ...meshEnv, ...env },
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
  const createOrderCase = async (name: string, mesh: Mesh, pids: Record<string, number>) => {
    const { orders } = clientsOf(mesh);
    const place = () =>
      orders.createOrder({ requestId: randomUUID(), userId, items: [{ productId, quantity: 1 }] });
    const load = { concurrency: shape.concurrency, durationSeconds: shape.seconds };
    try {
      return await measureCase({
        name,
        pids,
        reps: shape.reps,
        saturate: () => runUnaryLoad(place, load),
        // CreateOrder's latency is compared at a low rate, with GetUser at the same rate.
        fixedRateOf: () => shape.lowRate,
        atRate: (rate) => runUnaryLoad(place, { ...load, rate }),
      });
    } finally {
      orders.close();
    }
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
  // What parts cost: spans off (metrics still on), spans sampled at 10%, no telemetry SDK at all;
  // and what holding memory down costs: V8's heap capped (it grows lazily on a 24 GiB machine).
  const variants: { name: string; env: Record<string, string>; alsoOrders?: string }[] = [
    {
      name: "GetProduct, tracing off",
      env: { OTEL_TRACES_EXPORTER: "none" },
      alsoOrders: "CreateOrder, breakers on, tracing off",
    },
    {
      name: "GetProduct, tracing 10%",
      env: { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" },
    },
    { name: "GetProduct, no telemetry SDK", env: { OTEL_SDK_DISABLED: "true" } },
    // The read cache on, but no row fits in it: every read takes the miss path to PostgreSQL,
    // as reads over a key space larger than the cache do.
    { name: cacheMissCase, env: { CACHE_MAX_BYTES: "1" } },
    {
      name: heapCappedCase,
      env: { NODE_OPTIONS: heapCapOptions },
      alsoOrders: "CreateOrder, heap capped",
    },
  ];
  for (const { name, env, alsoOrders } of variants) {
    await variant(name, env, async (mesh, pids) => {
      results.push(await h2loadCase(name, getProductAt(mesh), productMessage(), pids, () => rate));
      if (alsoOrders) results.push(await createOrderCase(alsoOrders, mesh, pids));
    });
  }
  const mtls = await measureMtlsCost({
    shape,
    handshakes: smoke ? 10 : 300,
    mesh: { host: "127.0.0.1", ports, healthPorts, databaseUrls, env: meshEnv, onOutput: () => {} },
    log,
  });
  results.push(...mtls.results);
  mtlsRatios.push(...mtls.ratios);
  handshake = mtls.handshake;
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

const ratios = [...targetRatios(results, getUserLowRateP50Ms), ...mtlsRatios];
const breakerMicrosPerCall = await breakerOverheadMicros(smoke ? 10_000 : 200_000);
const machine = thisMachine();
const report = {
  date: new Date().toISOString(),
  smoke,
  machine,
  shape,
  results,
  getUserLowRateP50Ms,
  breakerMicrosPerCall,
  handshake,
  ratios,
};
await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
console.log(markdownTable(results));
console.log(
  `\nmachine: ${machine.cpus} × ${machine.model}, ${machine.memoryGiB} GiB, Node ${machine.node}${smoke ? " (smoke run: numbers mean nothing)" : ""}`,
);
console.log(`results: ${outFile}`);
console.log(`a breaker adds ${breakerMicrosPerCall.toFixed(2)} µs to a call (in isolation)`);
console.log(`${handshakeLine(handshake)}\n`);
console.log(ratioLines(ratios));
