import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../deploy/local/embedded-postgres.js";
import { serviceNames } from "../deploy/local/mesh.js";
import { log } from "./bench-shape.js";
import { measureEdgeCost } from "./edge-cost.js";
import { startOtlpSink } from "./otlp-sink.js";
import { markdownTable, ratioLines } from "./report.js";

// `make bench-edge`: only the edge's cases of `make bench` (~3 min): GetProduct direct and
// through the edge (gRPC on the stream path, Connect JSON, gRPC through
// connect-node), in turn, with the ratios of each round.

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
  console.log(
    `load average: ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]?.toFixed(1)} at end`,
  );
} finally {
  log("edge: done");
  await sink.close();
  await database.stop();
  await rm(dir, { recursive: true, force: true });
}
