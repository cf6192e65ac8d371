import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import pg from "pg";
import { startEmbeddedPostgres } from "../deploy/local/embedded-postgres.js";
import { repoRoot } from "../deploy/local/service-process.js";
import { GetProductRequestSchema } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { createLogger, createPool, migrate } from "../services/kit/index.js";
import { migrations } from "../services/product/migrations.js";
import { runH2load } from "./h2load.js";
import {
  type ProductReplica,
  startProductReplicas,
  stopProductReplicas,
} from "./product-replicas.js";
import { percentile } from "./unary-load.js";

// `make bench-cache`: how far the product read cache may trail a commit. Three product service
// processes (local, on 127.0.0.1: the cluster simulation's replicas differ only in their
// addresses) share one embedded PostgreSQL; the bench commits a change of one product's stock
// and polls every replica until each serves the new value. Idle, then with every replica
// serving an h2load read load meanwhile. Writes `bench/cache-staleness.json`.

const smoke = process.argv.includes("--smoke");
const writes = smoke ? 20 : 300;
const loadRatePerReplica = smoke ? 100 : 1_000;
const log = (line: string) => process.stderr.write(`bench-cache: ${line}\n`);

/** Commit → every replica serving the value, per write: milliseconds. */
async function measure(
  sql: pg.Client,
  replicas: readonly ProductReplica[],
  id: string,
  firstStock: number,
): Promise<{ p50Ms: number; p99Ms: number; maxMs: number; writes: number }> {
  const delays: number[] = [];
  for (let n = 0; n < writes; n++) {
    const stock = firstStock + n;
    await sql.query("UPDATE products SET stock = $2 WHERE id = $1", [id, stock]);
    const committed = performance.now();
    // Each replica polled back to back, all at once: the delay is the last one's.
    const seenAt = await Promise.all(
      replicas.map(async (replica) => {
        while ((await replica.client.getProduct({ id })).stock !== stock) {
          if (performance.now() - committed > 10_000) throw new Error(`${replica.name} stale`);
        }
        return performance.now();
      }),
    );
    delays.push(Math.max(...seenAt) - committed);
  }
  delays.sort((a, b) => a - b);
  return {
    p50Ms: percentile(delays, 50),
    p99Ms: percentile(delays, 99),
    maxMs: delays.at(-1) ?? Number.NaN,
    writes: delays.length,
  };
}

const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-cache-"));
await chmod(dir, 0o755); // PostgreSQL runs as its own user when this runs as root
const database = await startEmbeddedPostgres({
  dataDir: path.join(dir, "pg"),
  port: 55000 + Math.floor(Math.random() * 500),
});
let replicas: ProductReplica[] = [];
const sql = new pg.Client({ connectionString: database.urlOf("bench_cache") });
try {
  await database.ensureDatabase("bench_cache");
  const url = database.urlOf("bench_cache");
  const pool = createPool({ url, max: 1, applicationName: "bench-migrate" });
  await migrate(pool, migrations, createLogger("bench", "silent"));
  await pool.end();
  replicas = await startProductReplicas(3, url, { OTEL_SDK_DISABLED: "true" });
  await sql.connect();
  const insert = "INSERT INTO products (sku, name, price_currency, price_minor_units, stock)";
  const { rows } = await sql.query<{ id: string }>(
    `${insert} VALUES ('STALE', 'Watched', 'EUR', 100, 0), ('LOAD', 'Read', 'EUR', 100, 5)
     RETURNING id`,
  );
  const [watched, read] = rows.map((row) => row.id);
  if (!watched || !read) throw new Error("products not created");

  log(`idle: ${writes} writes`);
  const idle = await measure(sql, replicas, watched, 1);
  log(`idle: p50 ${idle.p50Ms.toFixed(2)} ms, p99 ${idle.p99Ms.toFixed(2)} ms`);

  log(`under load: h2load ${loadRatePerReplica} GetProduct/s on each replica`);
  const message = toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { id: read }));
  const stopAt = { done: false };
  const loads = replicas.map(async (replica) => {
    while (!stopAt.done) {
      await runH2load({
        url: `http://${replica.address}/shopmesh.product.v1.ProductService/GetProduct`,
        message,
        clients: 2,
        streams: 8,
        durationSeconds: 2,
        rate: loadRatePerReplica,
      });
    }
  });
  const loaded = await measure(sql, replicas, watched, 1_000_000);
  stopAt.done = true;
  await Promise.all(loads);
  log(`under load: p50 ${loaded.p50Ms.toFixed(2)} ms, p99 ${loaded.p99Ms.toFixed(2)} ms`);

  const results = { replicas: replicas.length, where: "3 local processes", idle, loaded };
  const outFile = smoke
    ? path.join(dir, "staleness.json")
    : path.join(repoRoot, "bench/cache-staleness.json");
  await writeFile(outFile, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results)}\n`);
} finally {
  await sql.end().catch(() => {});
  await stopProductReplicas(replicas);
  await database.stop();
  await rm(dir, { recursive: true, force: true });
}
