import { type ServiceProcess, startServiceProcess } from "../deploy/local/service-process.js";
import { ProductService } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { createServiceClient, type ServiceClient } from "../services/kit/index.js";
import { freePort } from "../test/support/ports.js";

/** One product service process of several sharing a database, as replicas of a Deployment do. */
export interface ProductReplica {
  readonly name: string;
  /** host:port of its gRPC server. */
  readonly address: string;
  readonly process: ServiceProcess;
  readonly client: ServiceClient<typeof ProductService>;
  /** Every line it printed so far. */
  readonly lines: readonly string[];
  /** The backend pid of its cache's LISTEN connection, from its last "read cache on" line. */
  listenerPid(): number | undefined;
  /** Resolves with the first line from index `from` on that matches (rejects after 20 s). */
  waitForLine(pattern: RegExp, from?: number): Promise<string>;
}

const cacheOn = /"listener_pid":(\d+).*read cache on/;

/**
 * Starts `count` plaintext product service processes (dist/) on one database, each with its own
 * port, and waits until each serves and its read cache listens.
 */
export async function startProductReplicas(
  count: number,
  databaseUrl: string,
  env: Readonly<Record<string, string>> = {},
): Promise<ProductReplica[]> {
  return Promise.all(
    Array.from({ length: count }, (_, index) => startReplica(`replica-${index}`, databaseUrl, env)),
  );
}

async function startReplica(
  name: string,
  databaseUrl: string,
  env: Readonly<Record<string, string>>,
): Promise<ProductReplica> {
  const port = await freePort();
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const process_ = await startServiceProcess({
    name: "product",
    address: `127.0.0.1:${port}`,
    env: {
      ...process.env,
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: String(port),
      HEALTH_PORT: String(await freePort()),
      DATABASE_URL: databaseUrl,
      INSECURE_PLAINTEXT: "true",
      LOG_LEVEL: "info",
      ...env,
    },
    onOutput: (line) => {
      lines.push(line);
      for (const waiter of waiters) waiter();
    },
  });
  const waitForLine = (pattern: RegExp, from = 0) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${name}: no line matching ${pattern} after 20 s`));
      }, 20_000);
      function check() {
        const line = lines.slice(from).find((candidate) => pattern.test(candidate));
        if (line === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(line);
      }
      waiters.add(check);
      check();
    });
  await waitForLine(cacheOn);
  const client = createServiceClient(ProductService, {
    dependency: name,
    target: `127.0.0.1:${port}`,
    timeoutMs: 10_000,
  });
  return {
    name,
    address: `127.0.0.1:${port}`,
    process: process_,
    client,
    lines,
    listenerPid: () => {
      const last = lines.findLast((line) => cacheOn.test(line));
      const pid = last?.match(cacheOn)?.[1];
      return pid === undefined ? undefined : Number(pid);
    },
    waitForLine,
  };
}

/** Stops the replicas and closes their clients. */
export async function stopProductReplicas(replicas: readonly ProductReplica[]): Promise<void> {
  await Promise.all(
    replicas.map(async (replica) => {
      replica.client.close();
      await replica.process.stop();
    }),
  );
}
