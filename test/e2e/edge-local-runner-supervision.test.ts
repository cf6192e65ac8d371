import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type MeshClients, meshClients } from "../../services/cli/mesh-clients.js";
import { readOperatorIdentity } from "../../services/cli/operator-identity.js";
import { type Runner, runnerSetup, startRunner } from "../support/processes.js";

// `make run` supervises the edge as it does the services: a crashed edge is restarted after the
// same crash-loop back-off, with the same log lines, and the mesh behind it keeps serving.
let dataDir = "";
let runner: Runner;
let clients: MeshClients;
let edge = "";

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-edge-supervise-"));
  await chmod(dataDir, 0o755); // PostgreSQL runs as its own user when this runs as root
  const setup = await runnerSetup(dataDir);
  edge = setup.edgeAddress;
  runner = await startRunner(setup.env);
  clients = meshClients(setup.addresses, readOperatorIdentity(setup.trustDir));
}, 180_000);
afterAll(async () => {
  const last = pids().edge;
  expect(await runner.interrupt()).toBe(0);
  expect(alive(last)).toBe(false);
  await rm(dataDir, { recursive: true, force: true });
});

const pids = () =>
  (
    JSON.parse(readFileSync(path.join(dataDir, "run.json"), "utf8")) as {
      services: Record<"user" | "product" | "order" | "edge", number>;
    }
  ).services;

const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8") !== "";
  } catch {
    return false;
  }
};

/** The product names the edge lists to an anonymous caller (Connect JSON, as curl sends it). */
async function listThroughEdge(): Promise<string[]> {
  const response = await fetch(`http://${edge}/shopmesh.product.v1.ProductService/ListProducts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
    signal: AbortSignal.timeout(2_000),
  });
  if (!response.ok) throw new Error(`edge answered ${response.status}`);
  const body = (await response.json()) as { products?: { name: string }[] };
  return (body.products ?? []).map((product) => product.name);
}

it("restarts a SIGKILLed edge with the crash-loop back-off while the mesh keeps serving", async () => {
  const price = { currencyCode: "EUR", minorUnits: 500n };
  await clients.products.createProduct({ sku: "E-1", name: "Edge mug", price, stock: 3 });
  expect(await listThroughEdge()).toEqual(["Edge mug"]);
  const before = pids();
  expect(alive(before.edge)).toBe(true);

  process.kill(before.edge, "SIGKILL");
  await runner.waitFor(/edge service exited unexpectedly \(signal SIGKILL\)/);
  // The runner prints both lines at once, but they may reach this process in two chunks.
  await runner.waitFor("restarting the edge service in 1.0 s (restart 1");
  // During the back-off the door is shut, and the services behind it still answer.
  await expect(listThroughEdge()).rejects.toThrow();
  expect((await clients.products.listProducts({})).products.map((p) => p.name)).toEqual([
    "Edge mug",
  ]);
  expect(runner.process.exitCode).toBe(null);

  await runner.waitFor(/edge service restarted and serving \(pid \d+, restart 1\)/);
  const after = pids();
  expect(after.edge).not.toBe(before.edge);
  expect(alive(after.edge)).toBe(true);
  expect({ ...after, edge: 0 }).toEqual({ ...before, edge: 0 });
  expect(await listThroughEdge()).toEqual(["Edge mug"]);

  // Crashing again at once: the wait doubles, as for a crash-looping service.
  process.kill(after.edge, "SIGKILL");
  await runner.waitFor("restarting the edge service in 2.0 s (restart 2");
  await runner.waitFor(/edge service restarted and serving \(pid \d+, restart 2\)/);
  expect(await listThroughEdge()).toEqual(["Edge mug"]);
}, 90_000);
