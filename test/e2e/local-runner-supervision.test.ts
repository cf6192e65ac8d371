import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type MeshClients, meshClients } from "../../services/cli/mesh-clients.js";
import { readOperatorIdentity } from "../../services/cli/operator-identity.js";
import { OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { type Runner, runNode, runnerSetup, startRunner } from "../support/processes.js";

// `make run` behaves like the cluster: a crashed service (the edge too) is restarted and the
// others are left alone; a second `make run` on the same data says the first is still running.
// One runner for all of it: each start of the whole mesh costs seconds of CPU.
let dataDir = "";
let env: NodeJS.ProcessEnv = {};
let runner: Runner;
let clients: MeshClients;
let edge = "";

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-supervise-"));
  await chmod(dataDir, 0o755); // PostgreSQL runs as its own user when this runs as root
  const setup = await runnerSetup(dataDir);
  env = setup.env;
  edge = setup.edgeAddress;
  runner = await startRunner(env);
  clients = meshClients(setup.addresses, readOperatorIdentity(setup.trustDir));
}, 180_000);
afterAll(async () => {
  const last = pids();
  expect(await runner.interrupt()).toBe(0);
  expect(Object.values(last).filter(alive)).toEqual([]);
  await rm(dataDir, { recursive: true, force: true });
});

const pids = () =>
  (
    JSON.parse(readFileSync(path.join(dataDir, "run.json"), "utf8")) as {
      runner: number;
      services: Record<"user" | "product" | "order" | "edge", number>;
    }
  ).services;

// A running process (a zombie, which no signal reaches any more, has an empty command line).
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8") !== "";
  } catch {
    return false;
  }
};

it("restarts a SIGKILLed service while the others keep answering, and orders flow again", async () => {
  const user = await clients.users.createUser({ email: "s@example.com", displayName: "S" });
  const price = { currencyCode: "EUR", minorUnits: 700n };
  const product = await clients.products.createProduct({ sku: "S-1", name: "S", price, stock: 5 });
  const before = pids();

  process.kill(before.product, "SIGKILL");
  await runner.waitFor(/product service exited unexpectedly \(signal SIGKILL\)/);
  // The restart waits 1 s: meanwhile the product service is gone, and the others answer.
  expect(runner.output()).not.toContain("product service restarted");
  const health = await clients.health.product.check({ service: "" }, { timeoutMs: 500 }).then(
    () => "answered",
    () => "down",
  );
  expect(health).toBe("down");
  expect((await clients.users.getUser({ id: user.id })).email).toBe("s@example.com");
  expect((await clients.orders.listOrders({ userId: user.id })).orders).toEqual([]);
  expect(runner.output()).not.toContain("product service restarted");
  expect(runner.output()).toContain("restarting the product service in 1.0 s (restart 1");

  await runner.waitFor(/product service restarted and serving \(pid \d+, restart 1\)/);
  const after = pids();
  expect(after.product).not.toBe(before.product);
  expect(alive(after.product)).toBe(true);
  // The others were left alone: same processes.
  expect(after.user).toBe(before.user);
  expect(after.order).toBe(before.order);

  // The order service reconnects by itself; the same request_id makes the polling safe.
  const requestId = randomUUID();
  const place = () =>
    clients.orders.createOrder({
      requestId,
      userId: user.id,
      items: [{ productId: product.id, quantity: 2 }],
    });
  await expect
    .poll(async () => (await place().catch(() => undefined))?.status, { timeout: 15_000 })
    .toBe(OrderStatus.CONFIRMED);
  expect((await clients.products.getProduct({ id: product.id })).stock).toBe(3);
}, 60_000);

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
  expect(await listThroughEdge()).toContain("Edge mug");
  const before = pids();
  expect(alive(before.edge)).toBe(true);

  process.kill(before.edge, "SIGKILL");
  await runner.waitFor(/edge service exited unexpectedly \(signal SIGKILL\)/);
  // The runner prints both lines at once, but they may reach this process in two chunks.
  await runner.waitFor("restarting the edge service in 1.0 s (restart 1");
  // During the back-off the door is shut, and the services behind it still answer.
  await expect(listThroughEdge()).rejects.toThrow();
  expect((await clients.products.listProducts({})).products.map((p) => p.name)).toContain(
    "Edge mug",
  );
  expect(runner.process.exitCode).toBe(null);

  await runner.waitFor(/edge service restarted and serving \(pid \d+, restart 1\)/);
  const after = pids();
  expect(after.edge).not.toBe(before.edge);
  expect(alive(after.edge)).toBe(true);
  expect({ ...after, edge: 0 }).toEqual({ ...before, edge: 0 });
  expect(await listThroughEdge()).toContain("Edge mug");

  // Crashing again at once: the wait doubles, as for a crash-looping service.
  process.kill(after.edge, "SIGKILL");
  await runner.waitFor("restarting the edge service in 2.0 s (restart 2");
  await runner.waitFor(/edge service restarted and serving \(pid \d+, restart 2\)/);
  expect(await listThroughEdge()).toContain("Edge mug");
}, 90_000);

it("refuses a second run on the same data while the first is alive, and leaves the first alone", async () => {
  const before = pids();
  const second = await runNode("deploy/local/run.js", [], env);
  expect(second.code).toBe(1);
  expect(second.stderr.trim().split("\n")).toEqual([
    `error: a previous make run is still running (pid ${runner.process.pid}) with data in ${dataDir}: stop it first (Ctrl-C in its terminal, or kill ${runner.process.pid})`,
  ]);
  expect(second.stdout).toBe("");
  expect(pids()).toEqual(before);
  expect((await clients.users.listUsers({})).users.length).toBeGreaterThan(0);
}, 30_000);

it("after a runner is killed, the next run stops what it left running and starts", async () => {
  const leftovers = pids();
  runner.process.kill("SIGKILL");
  await new Promise((resolve) => runner.process.once("exit", resolve));
  expect(Object.values(leftovers).every(alive)).toBe(true);

  runner = await startRunner(env);
  for (const [name, pid] of Object.entries(leftovers)) {
    expect(runner.output()).toContain(
      `stopping the ${name} service (pid ${pid}) that a killed previous run left running`,
    );
    expect(alive(pid)).toBe(false);
  }
  expect((await clients.users.listUsers({})).users.length).toBeGreaterThan(0);
}, 200_000);
