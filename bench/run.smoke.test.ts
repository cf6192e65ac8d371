import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

// The benchmark harness end to end, briefly (a few hundred requests per case), so that it cannot
// rot between benchmark runs. Nothing about speed is asserted here: that is `make bench`'s job.
const root = path.resolve(import.meta.dirname, "..");
let dir = "";
afterAll(() => rm(dir, { recursive: true, force: true }));

it("runs every case and reports every ratio", async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-smoke-"));
  const out = path.join(dir, "results.json");
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(root, "dist/bench/run.js"), "--smoke", "--out", out],
    { maxBuffer: 16 << 20 },
  );
  const report = JSON.parse(await readFile(out, "utf8"));
  expect(report.smoke).toBe(true);
  expect(report.results.map((r: { name: string }) => r.name)).toEqual(
    expect.arrayContaining([
      "B0 bare grpc-js GetProduct",
      "GetProduct, full stack",
      "GetUser, full stack",
      "CreateOrder, full stack (Node client)",
      "GetProduct, tracing off",
      "GetProduct, tracing 10%",
      "GetProduct, no telemetry SDK",
      "GetProduct, heap capped",
      "CreateOrder, heap capped",
      "CreateOrder, breakers off, tracing off",
      "GetProduct, full stack, plaintext (Node client)",
      "GetProduct, full stack, mTLS (Node client)",
      "CreateOrder, full stack, plaintext (Node client)",
      "CreateOrder, full stack, mTLS (Node client)",
      "CreateOrder, events off (no broker: rows wait in the outbox)",
      "CreateOrder, relay on (publishing to NATS, no consumer)",
      "CreateOrder, events on (relay → NATS → user consumer)",
      "GetProduct, direct gRPC (edge baseline; CPU: product)",
      "GetProduct via the edge, gRPC (CPU: edge)",
      "GetProduct via the edge, Connect JSON over HTTP/1.1 (CPU: edge)",
      "GetProduct via the edge, gRPC, signed in (CPU: edge)",
      "GetProduct via the edge, gRPC through connect-node (KIT_UNARY_PATHS=false; CPU: edge)",
    ]),
  );
  for (const result of report.results) expect(result.cpuMicrosPerRequest).toBeGreaterThan(0);
  // Fourteen of the mesh (the read cache's two, CreateOrder's CPU and orders/s, the SDK's cost,
  // start to SERVING and the events' two included), five of the edge, four of mTLS.
  expect(report.ratios).toHaveLength(23);
  for (const service of ["user", "product", "order"]) {
    expect(report.startTimes).toContainEqual(expect.objectContaining({ service, telemetry: "on" }));
  }
  // Validation per call, three ways, on four messages.
  expect(report.validation).toHaveLength(4);
  for (const cost of report.validation) {
    for (const way of ["protovalidateMicros", "celOnlyMicros", "oldChecksMicros"]) {
      expect(cost[way]).toBeGreaterThan(0);
    }
  }
  expect(report.eventLag.events).toBeGreaterThan(0);
  expect(report.eventLag.p99Ms).toBeGreaterThanOrEqual(report.eventLag.p50Ms);
  for (const side of ["mtls", "tcpOnly"]) expect(report.handshake[side].p50Ms).toBeGreaterThan(0);
  // The ratios come last, after the table.
  const lastLines = stdout.trim().split("\n").slice(-10);
  expect(lastLines.every((line) => /^(met|MISSED) /.test(line))).toBe(true);
}, 400_000);
