import { randomUUID } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { startEmbeddedPostgres } from "../deploy/local/embedded-postgres.js";
import { serviceNames } from "../deploy/local/mesh.js";
import { GetProductRequestSchema } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { startBareServer } from "./bare-server-process.js";
import { log, shape, smoke } from "./bench-shape.js";
import { measureEdgeCost } from "./edge-cost.js";
import { type EventLag, runEventCases } from "./event-cases.js";
import { h2loadCase } from "./h2load-case.js";
import { type MtlsCost, measureMtlsCost } from "./mtls-cost.js";
import { startOtlpSink } from "./otlp-sink.js";
import { benchPorts } from "./ports.js";
import type { CaseResult, Ratio } from "./report.js";
import { stackMeshOptions } from "./stack.js";
import { runStackCases } from "./stack-cases.js";
import { measureStartTimes, type StartTime } from "./start-time.js";
import { writeReport } from "./write-report.js";

// `make bench`: what each part of the mesh costs, as ratios to a bare grpc-js server measured
// in the same run on the same machine (bench-shape.ts: `--smoke`, `--out`).

const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-"));
await chmod(dir, 0o755); // PostgreSQL runs as its own user when this runs as root
const database = await startEmbeddedPostgres({
  dataDir: path.join(dir, "pg"),
  port: benchPorts.postgres(),
});
const sink = await startOtlpSink();
const results: CaseResult[] = [];
let getUserLowRateP50Ms = Number.NaN;
const sideRatios: Ratio[] = [];
let handshake: MtlsCost["handshake"] | undefined;
let eventLag: EventLag | undefined;
let startTimes: StartTime[] = [];
const pairedRatios: Record<string, number[]> = {};
const loadAtStart = os.loadavg()[0] ?? 0;
try {
  // B0: the floor. Same request, same load shape, no mesh at all.
  log("B0: bare grpc-js server");
  const bare = await startBareServer(benchPorts.bare);
  const productRequest = toBinary(
    GetProductRequestSchema,
    create(GetProductRequestSchema, { id: randomUUID() }),
  );
  // Every case's latency is taken at half of this floor's saturation rate.
  const floor = await h2loadCase(
    "B0 bare grpc-js GetProduct",
    `http://127.0.0.1:${benchPorts.bare}/shopmesh.product.v1.ProductService/GetProduct`,
    productRequest,
    { bare: bare.pid ?? 0 },
    (saturation) => (smoke ? 200 : saturation / 2),
  );
  results.push(floor);
  bare.kill("SIGTERM");

  for (const name of serviceNames) await database.ensureDatabase(`bench_${name}`);
  const databaseUrls = {
    user: database.urlOf("bench_user"),
    product: database.urlOf("bench_product"),
    order: database.urlOf("bench_order"),
  };
  const context = { databaseUrls, otlpEndpoint: sink.endpoint };
  const stack = await runStackCases(context, floor.rate);
  results.push(...stack.results);
  getUserLowRateP50Ms = stack.getUserLowRateP50Ms;
  const events = await runEventCases(async (label) => {
    for (const name of serviceNames) await database.ensureDatabase(`bench_${label}_${name}`);
    return {
      user: database.urlOf(`bench_${label}_user`),
      product: database.urlOf(`bench_${label}_product`),
      order: database.urlOf(`bench_${label}_order`),
    };
  }, sink.endpoint);
  results.push(...events.results);
  eventLag = events.lag;
  const edge = await measureEdgeCost(context);
  results.push(...edge.results);
  sideRatios.push(...edge.ratios);
  const mtls = await measureMtlsCost({
    shape,
    handshakes: smoke ? 10 : 300,
    mesh: stackMeshOptions(context),
    log,
  });
  results.push(...mtls.results);
  sideRatios.push(...mtls.ratios);
  handshake = mtls.handshake;
  log("start to SERVING, each service");
  startTimes = await measureStartTimes(context, smoke ? 1 : 5);
  pairedRatios["mTLS / plaintext GetProduct"] = mtls.pairedRatios.getProduct;
  pairedRatios["mTLS / plaintext CreateOrder"] = mtls.pairedRatios.createOrder;
} finally {
  await sink.close();
  await database.stop();
  await rm(dir, { recursive: true, force: true });
}

await writeReport({
  results,
  getUserLowRateP50Ms,
  sideRatios,
  handshake,
  startTimes,
  eventLag,
  pairedRatios,
  loadAtStart,
});
