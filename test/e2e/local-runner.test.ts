import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../support/ports.js";

// `make run` as a new user meets it: start, use it through the CLI, Ctrl-C, start again, and the
// data is still there (embedded PostgreSQL in a data folder).
const root = path.resolve(import.meta.dirname, "../..");
let dataDir = "";
let env: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-run-"));
  await chmod(dataDir, 0o755); // PostgreSQL runs as its own user when this runs as root
  env = {
    ...process.env,
    SHOPMESH_DATA_DIR: dataDir,
    USER_PORT: String(await freePort()),
    PRODUCT_PORT: String(await freePort()),
    ORDER_PORT: String(await freePort()),
    USER_HEALTH_PORT: String(await freePort()),
    PRODUCT_HEALTH_PORT: String(await freePort()),
    ORDER_HEALTH_PORT: String(await freePort()),
    POSTGRES_PORT: String(await freePort()),
    EDGE_PORT: String(await freePort()),
  };
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

async function startRunner(): Promise<{ runner: ChildProcess; output: () => string }> {
  const runner = spawn(process.execPath, [path.join(root, "dist/deploy/local/run.js")], { env });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes("shopmesh is running")) resolve();
    };
    runner.stdout.on("data", onData);
    runner.stderr.on("data", onData);
    runner.once("exit", (code) => reject(new Error(`runner exited (${code}): ${output}`)));
  });
  return { runner, output: () => output };
}

async function interrupt(runner: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => runner.once("exit", resolve));
  runner.kill("SIGINT");
  return exited;
}

async function cli(...args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse(await cliText(...args)) as Record<string, unknown>;
}

async function cliText(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(root, "dist/services/cli/main.js"), ...args],
    {
      env: {
        ...process.env,
        // The CLI finds the operator certificate in the data folder, as after `make run`.
        SHOPMESH_DATA_DIR: dataDir,
        SHOPMESH_USER_ADDRESS: `127.0.0.1:${env.USER_PORT}`,
        SHOPMESH_PRODUCT_ADDRESS: `127.0.0.1:${env.PRODUCT_PORT}`,
        SHOPMESH_ORDER_ADDRESS: `127.0.0.1:${env.ORDER_PORT}`,
      },
    },
  );
  return stdout;
}

it("runs the mesh, stops cleanly on Ctrl-C and keeps the data for the next start", async () => {
  const first = await startRunner();
  expect(first.output()).toContain(`127.0.0.1:${env.ORDER_PORT}`);
  expect(first.output()).toContain("mTLS on; trust domain shopmesh.local");
  // Without the operator certificate the mesh is closed.
  await expect(cli("--plaintext", "user", "list")).rejects.toThrow(/error: [A-Z_]+: /);
  const user = await cli("user", "create", "--email", "ada@example.com", "--name", "Ada");
  const product = await cli(
    ...["product", "create", "--sku", "MUG-1", "--name", "Mug", "--price", "12.50"],
    ...["--currency", "EUR", "--stock", "10"],
  );
  expect(product.price).toEqual({ currencyCode: "EUR", minorUnits: "1250" });
  const order = await cli(
    "order",
    "create",
    "--user",
    String(user.id),
    "--item",
    `${product.id}:2`,
  );
  expect(order).toMatchObject({ status: "ORDER_STATUS_CONFIRMED", total: { minorUnits: "2500" } });

  expect(await interrupt(first.runner)).toBe(0);
  expect(first.output()).toMatch(/order +info +stopped/);
  expect(existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false);

  const second = await startRunner();
  // The trust domain is kept: the CLI's certificate from the first start still works.
  expect(second.output()).toContain("mTLS on; trust domain shopmesh.local");
  try {
    expect(await cli("order", "get", String(order.id))).toEqual(order);
    expect((await cli("product", "get", String(product.id))).stock).toBe(8);

    // The edge, with the development issuer: sign in, sign up and order as yourself.
    const edge = `127.0.0.1:${env.EDGE_PORT}`;
    const token = (await cliText("login", "--email", "grace@example.com")).trim();
    expect(token.split(".")).toHaveLength(3);
    const grace = await cli(
      "--edge",
      edge,
      "user",
      "create",
      "--email",
      "grace@example.com",
      "--name",
      "Grace",
    );
    const mine = await cli("--edge", edge, "order", "create", "--item", `${product.id}:1`);
    expect(mine).toMatchObject({ userId: grace.id, status: "ORDER_STATUS_CONFIRMED" });
    expect((await cli("--edge", edge, "order", "list")).orders).toEqual([mine]);
    const listed = await fetch(`http://${edge}/shopmesh.product.v1.ProductService/GetProduct`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: product.id }),
    });
    expect(((await listed.json()) as { stock: number }).stock).toBe(7);
  } finally {
    expect(await interrupt(second.runner)).toBe(0);
  }
}, 300_000); // two starts of the whole mesh and ~12 CLI processes; minutes on a loaded machine
