import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../deploy/local/embedded-postgres.js";
import { serviceNames } from "../deploy/local/mesh.js";
import { repoRoot } from "../deploy/local/service-process.js";
import { log, shape, smoke } from "./bench-shape.js";
import { chartNodeOptions } from "./chart-settings.js";
import { measureEdgeCost } from "./edge-cost.js";
import { startOtlpSink } from "./otlp-sink.js";
import { markdownTable, ratioLines } from "./report.js";

// `make bench-edge`: only the edge's cases of `make bench` (~3 min): GetProduct direct and
// through the edge (gRPC on the stream path, Connect JSON, gRPC through
// connect-node), in turn, with the ratios of each round. The edges run with the chart's
// edge.nodeOptions, and their peak RSS is written to bench/edge-memory.json, which the chart's
// test holds the edge's memory request to; BENCH_EDGE_NODE_OPTIONS measures other V8 flags
// ("" for none) and writes nothing.

const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-edge-run-"));
await chmod(dir, 0o755); // PostgreSQL runs as its own user when this runs as root
const database = await startEmbeddedPostgres({
  dataDir: path.join(dir, "pg"),
  port: 54400 + Math.floor(Math.random() * 500),
});
const sink = await startOtlpSink();
try {
  for (const name of serviceNames) await database.ensureDatabase(`bench_${name}`);
  const loadAtStart = os.loadavg()[0] ?? 0;
  const edge = await measureEdgeCost({
    databaseUrls: {
      user: database.urlOf("bench_user"),
      product: database.urlOf("bench_product"),
      order: database.urlOf("bench_order"),
    },
    otlpEndpoint: sink.endpoint,
  });
  console.log(markdownTable(edge.results));
  console.log(`\n${ratioLines(edge.ratios)}`);
  for (const [name, ratios] of Object.entries(edge.pairedRatios)) {
    console.log(`each round, ${name} / direct: ${ratios.map((r) => r.toFixed(2)).join(", ")}`);
  }
  const loadAtEnd = os.loadavg()[0] ?? 0;
  console.log(`load average: ${loadAtStart.toFixed(1)} at start, ${loadAtEnd.toFixed(1)} at end`);
  const peakRssMiB = Math.round(Math.max(...edge.results.map((r) => r.peakRssMiB.edge ?? 0)));
  const nodeOptions = process.env.BENCH_EDGE_NODE_OPTIONS ?? chartNodeOptions("edge");
  console.log(`the edges' peak RSS: ${peakRssMiB} MiB with NODE_OPTIONS "${nodeOptions}"`);
  if (process.env.BENCH_EDGE_NODE_OPTIONS === undefined && !smoke) {
    const memory = {
      at: new Date().toISOString(),
      loadAverage: [loadAtStart, loadAtEnd].map((l) => Math.round(l * 100) / 100),
      shape,
      nodeOptions,
      peakRssMiB,
      rps: Object.fromEntries(edge.results.map((r) => [r.name, Math.round(r.rps)])),
    };
    await writeFile(
      path.join(repoRoot, "bench/edge-memory.json"),
      `${JSON.stringify(memory, null, 2)}\n`,
    );
  }
} finally {
  log("edge: done");
  await sink.close();
  await database.stop();
  await rm(dir, { recursive: true, force: true });
}
