import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../deploy/local/embedded-postgres.js";
import { serviceNames } from "../deploy/local/mesh.js";
import { log } from "./bench-shape.js";
import { runEventCases } from "./event-cases.js";
import { startOtlpSink } from "./otlp-sink.js";
import { benchPorts } from "./ports.js";
import { markdownTable } from "./report.js";
import { eventsOffCase, eventsOnCase, relayOnCase } from "./targets.js";

// `make bench-events`: only the order events' cases of `make bench` (~4 min): CreateOrder with
// the relay off, on, and with the consumer too, and the commit → effect lag.

const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-events-"));
await chmod(dir, 0o755); // PostgreSQL runs as its own user when this runs as root
const database = await startEmbeddedPostgres({
  dataDir: path.join(dir, "pg"),
  port: benchPorts.postgres(),
});
const sink = await startOtlpSink();
try {
  const { results, lag } = await runEventCases(async (label) => {
    for (const name of serviceNames) await database.ensureDatabase(`bench_${label}_${name}`);
    return {
      user: database.urlOf(`bench_${label}_user`),
      product: database.urlOf(`bench_${label}_product`),
      order: database.urlOf(`bench_${label}_order`),
    };
  }, sink.endpoint);
  const rps = (name: string) => results.find((r) => r.name === name)?.rps ?? Number.NaN;
  console.log(markdownTable(results));
  console.log(`\nrelay on / off: ${(rps(relayOnCase) / rps(eventsOffCase)).toFixed(2)} (>= 0.9)`);
  console.log(`events on / off: ${(rps(eventsOnCase) / rps(eventsOffCase)).toFixed(2)}`);
  console.log(
    `commit → applied at ${lag.ordersPerSecond} orders/s (${lag.events} events): p50 ${lag.p50Ms.toFixed(0)} ms, p99 ${lag.p99Ms.toFixed(0)} ms, max ${lag.maxMs.toFixed(0)} ms`,
  );
} finally {
  log("events: done");
  await sink.close();
  await database.stop();
  await rm(dir, { recursive: true, force: true });
}
