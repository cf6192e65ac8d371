import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  Health,
  HealthCheckResponse_ServingStatus,
} from "../../services/gen/grpc/health/v1/health_pb.js";
import { createServiceClient } from "../../services/kit/index.js";

/** The three services, in start order: dependencies first. */
export const serviceNames = ["user", "product", "order"] as const;
/** One of the mesh's services. */
export type ServiceName = (typeof serviceNames)[number];

/** Where and how to run the mesh. */
export interface MeshOptions {
  readonly host: string;
  readonly ports: Readonly<Record<ServiceName, number>>;
  readonly databaseUrls: Readonly<Record<ServiceName, string>>;
  /** Extra environment of every service (LOG_LEVEL, OTEL_*, …). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra environment of one service, on top of `env`. */
  readonly serviceEnv?: Readonly<Partial<Record<ServiceName, Record<string, string>>>>;
  /** Receives each line a service writes to stdout or stderr. */
  readonly onOutput?: (service: ServiceName, line: string) => void;
  /** Called when a service exits without being asked to. */
  readonly onUnexpectedExit?: (service: ServiceName, code: number | null) => void;
}

/** The running mesh: its addresses, and control over each service process. */
export interface Mesh {
  readonly addresses: Readonly<Record<ServiceName, string>>;
  /**
   * Starts a service (again) and waits until its health check says SERVING; `env` adds to its
   * environment for this start only (to restart it with faults injected, say).
   */
  start(service: ServiceName, env?: Readonly<Record<string, string>>): Promise<void>;
  /** Sends `signal` to a service and waits for it to exit. */
  stop(service: ServiceName, signal?: NodeJS.Signals): Promise<number | null>;
  /** The service's process, while it runs. */
  process(service: ServiceName): ChildProcess | undefined;
  /** Stops every service with SIGTERM, callers before callees. */
  stopAll(): Promise<void>;
}

const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
const readyTimeoutMs = 30_000;

/** Starts user, product and order as separate Node processes (from dist/) and waits for each. */
export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const addresses = Object.fromEntries(
    serviceNames.map((name) => [name, `${options.host}:${options.ports[name]}`]),
  ) as Record<ServiceName, string>;
  const children = new Map<ServiceName, ChildProcess>();
  const stopping = new Set<ServiceName>();

  const environment = (
    name: ServiceName,
    extra: Readonly<Record<string, string>> = {},
  ): NodeJS.ProcessEnv => ({
    ...process.env,
    GRPC_HOST: options.host,
    GRPC_PORT: String(options.ports[name]),
    DATABASE_URL: options.databaseUrls[name],
    USER_SERVICE_TARGET: addresses.user,
    PRODUCT_SERVICE_TARGET: addresses.product,
    ...options.env,
    ...options.serviceEnv?.[name],
    ...extra,
  });

  const mesh: Mesh = {
    addresses,
    async start(name, env) {
      const entry = path.join(repoRoot, "dist", "services", name, "main.js");
      if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`make build\` first`);
      // Telemetry first: the instrumentations must patch grpc-js and pg before they load.
      const telemetry = path.join(repoRoot, "dist", "services", "kit", "telemetry-register.js");
      const child = spawn(process.execPath, ["--import", telemetry, entry], {
        env: environment(name, env),
        stdio: ["ignore", "pipe", "pipe"],
        // Its own process group: a Ctrl-C reaches the runner alone, which stops services in order.
        detached: true,
      });
      children.set(name, child);
      forwardLines(child, (line) => options.onOutput?.(name, line));
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      void exited.then((code) => {
        if (children.get(name) === child) children.delete(name);
        if (!stopping.has(name)) options.onUnexpectedExit?.(name, code);
      });
      await waitUntilServing(name, addresses[name], exited);
    },
    async stop(name, signal = "SIGTERM") {
      const child = children.get(name);
      if (!child || child.exitCode !== null) return child?.exitCode ?? null;
      stopping.add(name);
      try {
        const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
        child.kill(signal);
        return await exited;
      } finally {
        stopping.delete(name);
      }
    },
    process: (name) => children.get(name),
    async stopAll() {
      for (const name of [...serviceNames].reverse()) await mesh.stop(name);
    },
  };
  try {
    for (const name of serviceNames) await mesh.start(name);
  } catch (error) {
    await mesh.stopAll();
    throw error;
  }
  return mesh;
}

async function waitUntilServing(
  name: ServiceName,
  address: string,
  exited: Promise<number | null>,
): Promise<void> {
  const health = createServiceClient(Health, {
    dependency: `${name} service`,
    target: address,
    timeoutMs: 1_000,
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  try {
    const giveUpAt = Date.now() + readyTimeoutMs;
    while (Date.now() < giveUpAt) {
      if (exitCode !== undefined) throw new Error(`${name} service exited with code ${exitCode}`);
      const status = await health.check({ service: "" }).then(
        (response) => response.status,
        () => undefined,
      );
      if (status === HealthCheckResponse_ServingStatus.SERVING) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${name} service not serving at ${address} after ${readyTimeoutMs} ms`);
  } finally {
    health.close();
  }
}

function forwardLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line !== "") onLine(line);
    });
  }
}

function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}
