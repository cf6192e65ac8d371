import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../deploy/local/embedded-postgres.js";
import { serviceNames } from "../deploy/local/mesh.js";
import { log, smoke } from "./bench-shape.js";
import { startOtlpSink } from "./otlp-sink.js";
import { benchPorts } from "./ports.js";
import { measureStartTimes, startTimeLines } from "./start-time.js";

// `make bench-start`: start-to-SERVING of each service, telemetry on and with no SDK, alone
// (make bench measures it too, among everything else).

const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-start-"));
await chmod(dir, 0o755); // PostgreSQL runs as its own user when this runs as root
const database = await startEmbeddedPostgres({
  dataDir: path.join(dir, "pg"),
  port: benchPorts.postgres(),
});
const sink = await startOtlpSink();
try {
  for (const name of serviceNames) await database.ensureDatabase(`bench_${name}`);
  const databaseUrls = {
    user: database.urlOf("bench_user"),
    product: database.urlOf("bench_product"),
    order: database.urlOf("bench_order"),
  };
  log("start to SERVING, each service");
  const times = await measureStartTimes(
    { databaseUrls, otlpEndpoint: sink.endpoint },
    smoke ? 1 : 7,
  );
  console.log(startTimeLines(times));
} finally {
  await sink.close();
  await database.stop();
  await rm(dir, { recursive: true, force: true });
}
