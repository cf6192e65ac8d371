import type { ChildProcess } from "node:child_process";
import type { BackoffSettings } from "./crash-loop-backoff.js";
import { startServiceProcess } from "./service-process.js";
import { type RestartEvent, type ServiceExit, SupervisedProcess } from "./supervised-process.js";
import { type TrustDomain, trustEnvironment } from "./trust-domain.js";

/** The three services, in start order: dependencies first. */
export const serviceNames = ["user", "product", "order"] as const;
/** One of the mesh's services. */
export type ServiceName = (typeof serviceNames)[number];

/** Where and how to run the mesh. */
export interface MeshOptions {
  readonly host: string;
  readonly ports: Readonly<Record<ServiceName, number>>;
  /** Plaintext health-only ports (readiness is checked there, as the kubelet does). */
  readonly healthPorts: Readonly<Record<ServiceName, number>>;
  /** Certificates and policies of every service; "plaintext" only for local debugging. */
  readonly trust: TrustDomain | "plaintext";
  readonly databaseUrls: Readonly<Record<ServiceName, string>>;
  /** Extra environment of every service (LOG_LEVEL, OTEL_*, …). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra environment of one service, on top of `env`. */
  readonly serviceEnv?: Readonly<Partial<Record<ServiceName, Record<string, string>>>>;
  /** Receives each line a service writes to stdout or stderr. */
  readonly onOutput?: (service: ServiceName, line: string) => void;
  /** Called when a service exits without being asked to. */
  readonly onUnexpectedExit?: (service: ServiceName, exit: ServiceExit) => void;
  /**
   * Restarts a service that exits without being asked to, after a crash-loop back-off, as the
   * cluster restarts a crashed pod and leaves the others alone (`make run`). Unset: no restarts
   * (tests stop and start services themselves).
   */
  readonly restart?: BackoffSettings;
  /** Told of each restart: when it is scheduled, and how it went. */
  readonly onRestart?: (service: ServiceName, event: RestartEvent) => void;
}

/** The running mesh: its addresses, and control over each service process. */
export interface Mesh {
  readonly addresses: Readonly<Record<ServiceName, string>>;
  readonly healthAddresses: Readonly<Record<ServiceName, string>>;
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

/** Starts user, product and order as separate Node processes (from dist/) and waits for each. */
export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const addresses = Object.fromEntries(
    serviceNames.map((name) => [name, `${options.host}:${options.ports[name]}`]),
  ) as Record<ServiceName, string>;
  const healthAddresses = Object.fromEntries(
    serviceNames.map((name) => [name, `${options.host}:${options.healthPorts[name]}`]),
  ) as Record<ServiceName, string>;
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
    HEALTH_PORT: String(options.healthPorts[name]),
    ...(options.trust === "plaintext"
      ? { INSECURE_PLAINTEXT: "true" }
      : trustEnvironment(options.trust, name)),
    ...options.env,
    ...options.serviceEnv?.[name],
    ...extra,
  });
  const processes = new Map(
    serviceNames.map((name) => [
      name,
      new SupervisedProcess({
        launch: (env) =>
          startServiceProcess({
            name,
            address: healthAddresses[name],
            env: environment(name, env),
            onOutput: (line) => options.onOutput?.(name, line),
          }),
        ...(options.restart ? { restart: options.restart } : {}),
        onUnexpectedExit: (exit) => options.onUnexpectedExit?.(name, exit),
        onRestart: (event) => options.onRestart?.(name, event),
      }),
    ]),
  );
  const supervised = (name: ServiceName) => processes.get(name) as SupervisedProcess;

  const mesh: Mesh = {
    addresses,
    healthAddresses,
    start: (name, env) => supervised(name).start(env),
    stop: (name, signal) => supervised(name).stop(signal),
    process: (name) => supervised(name).child,
    async stopAll() {
      // Callers before callees.
      for (const name of [...serviceNames].reverse()) await supervised(name).close();
    },
  };
  // All three at once: each is ready when its database is (the order service reaches the others
  // only on its first call, through channels that connect then), and a start is mostly CPU, so
  // one after the other left a core idle (tests, the bench and `make run` each start meshes).
  const started = await Promise.allSettled(serviceNames.map((name) => mesh.start(name)));
  const failed = started.find((outcome) => outcome.status === "rejected");
  if (failed) {
    await mesh.stopAll();
    throw failed.reason;
  }
  return mesh;
}
