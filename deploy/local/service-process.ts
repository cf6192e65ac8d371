import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  Health,
  HealthCheckResponse_ServingStatus,
} from "../../services/gen/grpc/health/v1/health_pb.js";
import { createServiceClient } from "../../services/kit/index.js";

/** The repository's root folder (dist/ and .tools/ live there). */
export const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

const readyTimeoutMs = 30_000;

/** One running service process. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The command line that starts service `name` as the image and the chart do: its bundle
 * (deploy/tools/bundle-services.mjs), telemetry `--import`ed first (pg must be instrumented
 * before it loads), source maps on so that stack traces name the TypeScript files. Paths are
 * relative to `root`.
 */
export function serviceCommand(name: string, root = "."): string[] {
  return [
    "--enable-source-maps",
    "--import",
    `${root}/dist/bundle/kit/telemetry-register.js`,
    `${root}/dist/bundle/${name}/main.js`,
  ];
}

/**
 * Starts service `name` from its bundle as the image does ({@link serviceCommand}) and waits
 * until its gRPC health check at `address` answers SERVING.
 */
export async function startServiceProcess(options: {
  name: string;
  address: string;
  env: NodeJS.ProcessEnv;
  onOutput?: (line: string) => void;
}): Promise<ServiceProcess> {
  const args = serviceCommand(options.name, repoRoot);
  const entry = args.at(-1) ?? "";
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`make build\` first`);
  const child = spawn(process.execPath, args, {
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a Ctrl-C reaches the runner alone, which stops services in order.
    detached: true,
  });
  // Its last lines go with a failed start: why it exited is in them, not in the exit code.
  const recent: string[] = [];
  forwardLines(child, (line) => {
    recent.push(line);
    if (recent.length > 8) recent.shift();
    options.onOutput?.(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  try {
    await waitUntilServing(options.name, options.address, exited);
  } catch (error) {
    await stop("SIGKILL");
    throw new Error(`${(error as Error).message}; its last lines:\n${recent.join("\n")}`, {
      cause: error,
    });
  }
  return { child, exited, stop };
}

/** Waits until `address` answers SERVING; fails if the process exits first or after 30 s. */
export async function waitUntilServing(
  name: string,
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

/** Calls `onLine` with each line the child writes to stdout or stderr. */
export function forwardLines(child: ChildProcess, onLine: (line: string) => void): void {
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
