import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { MeshAddresses } from "../../services/cli/mesh-clients.js";
import { freePort } from "./ports.js";

/** The repository's root, where dist/ is. */
export const repoRoot = path.resolve(import.meta.dirname, "../..");

/** How a finished command went. */
export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit. */
  readonly ms: number;
}

/** Runs `node dist/<script> args…` to its end (never throws on a non-zero exit). */
export function runNode(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<Finished> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(repoRoot, "dist", script), ...args], { env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  return new Promise((resolve) =>
    child.once("exit", (code) =>
      resolve({ code, stdout, stderr, ms: performance.now() - started }),
    ),
  );
}

/** The environment that points the CLI at `addresses`. */
export function cliEnv(addresses: MeshAddresses, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SHOPMESH_USER_ADDRESS: addresses.user,
    SHOPMESH_PRODUCT_ADDRESS: addresses.product,
    SHOPMESH_ORDER_ADDRESS: addresses.order,
    ...extra,
  };
}

/** Runs the CLI (`dist/services/cli/main.js`) against `addresses`. */
export function runCli(
  addresses: MeshAddresses,
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<Finished> {
  return runNode("services/cli/main.js", args, cliEnv(addresses, extraEnv));
}

/** Free ports for a runner keeping its data in `dataDir`: its environment and the addresses. */
export async function runnerSetup(
  dataDir: string,
): Promise<{ env: NodeJS.ProcessEnv; addresses: MeshAddresses; edge: string; trustDir: string }> {
  const ports = { user: await freePort(), product: await freePort(), order: await freePort() };
  // Its own edge port too: runners of several test files run at once.
  const edgePort = await freePort();
  return {
    // Where the runner writes its trust domain: the CLI finds the operator certificate there.
    trustDir: path.join(dataDir, "trust"),
    env: {
      ...process.env,
      SHOPMESH_DATA_DIR: dataDir,
      USER_PORT: String(ports.user),
      PRODUCT_PORT: String(ports.product),
      ORDER_PORT: String(ports.order),
      USER_HEALTH_PORT: String(await freePort()),
      PRODUCT_HEALTH_PORT: String(await freePort()),
      ORDER_HEALTH_PORT: String(await freePort()),
      POSTGRES_PORT: String(await freePort()),
      EDGE_PORT: String(edgePort),
    },
    edge: `127.0.0.1:${edgePort}`,
    addresses: {
      user: `127.0.0.1:${ports.user}`,
      product: `127.0.0.1:${ports.product}`,
      order: `127.0.0.1:${ports.order}`,
    },
  };
}

/** A `make run` runner process (dist/deploy/local/run.js) and what it printed so far. */
export interface Runner {
  readonly process: ChildProcess;
  output(): string;
  /** Resolves when the output contains `text` (rejects if the runner exits first). */
  waitFor(text: string | RegExp): Promise<void>;
  /** Ctrl-C; resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

const startTimeoutMs = 150_000;

/** Starts the runner with `env`; resolves once it says the mesh is running. */
export async function startRunner(env: NodeJS.ProcessEnv): Promise<Runner> {
  const child = spawn(process.execPath, [path.join(repoRoot, "dist/deploy/local/run.js")], { env });
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const runner: Runner = {
    process: child,
    output: () => output,
    waitFor: (text) =>
      new Promise((resolve, reject) => {
        const found = () => (typeof text === "string" ? output.includes(text) : text.test(output));
        const check = () => {
          if (!found()) return;
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (!found()) reject(new Error(`runner exited (${code}) before "${text}": ${output}`));
        });
      }),
    interrupt: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      return exited;
    },
  };
  // A machine shared by many test runs can be slow to start three services; a runner that does
  // not come up in time is stopped rather than left behind.
  const timer = setTimeout(() => child.kill("SIGINT"), startTimeoutMs);
  try {
    await runner.waitFor("shopmesh is running");
  } finally {
    clearTimeout(timer);
  }
  return runner;
}
