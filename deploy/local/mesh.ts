import type { ChildProcess } from "node:child_process";
import { type BackoffSettings, CrashLoopBackoff } from "./crash-loop-backoff.js";
import { type ServiceProcess, startServiceProcess } from "./service-process.js";
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

/** How a service process ended. */
export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ranForMs: number;
}

/** One step of a supervised restart; `restart` counts the restarts of that service. */
export type RestartEvent =
  | { readonly phase: "scheduled"; readonly restart: number; readonly delayMs: number }
  | { readonly phase: "started"; readonly restart: number; readonly pid: number }
  | { readonly phase: "failed"; readonly restart: number; readonly reason: string };

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
  const children = new Map<ServiceName, ServiceProcess>();
  const stopping = new Set<ServiceName>();
  // Supervision: a start in progress, a restart waiting for its back-off, each service's
  // back-off and restart count, and the extra environment of its last start (a restart reuses it).
  const starting = new Map<ServiceName, Promise<void>>();
  const pendingRestarts = new Map<ServiceName, NodeJS.Timeout>();
  const backoffs = new Map<ServiceName, { backoff: CrashLoopBackoff; restarts: number }>();
  const lastEnv = new Map<ServiceName, Readonly<Record<string, string>> | undefined>();
  let closed = false;

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

  const scheduleRestart = (name: ServiceName, ranForMs: number) => {
    if (!options.restart || closed || stopping.has(name)) return;
    const state = backoffs.get(name) ?? {
      backoff: new CrashLoopBackoff(options.restart),
      restarts: 0,
    };
    backoffs.set(name, state);
    const delayMs = state.backoff.next(ranForMs);
    const restart = ++state.restarts;
    options.onRestart?.(name, { phase: "scheduled", restart, delayMs });
    const timer = setTimeout(() => {
      pendingRestarts.delete(name);
      mesh.start(name, lastEnv.get(name)).then(
        () => {
          const pid = children.get(name)?.child.pid ?? 0;
          options.onRestart?.(name, { phase: "started", restart, pid });
        },
        (error: unknown) => {
          if (closed || stopping.has(name)) return;
          options.onRestart?.(name, { phase: "failed", restart, reason: String(error) });
          scheduleRestart(name, 0);
        },
      );
    }, delayMs);
    pendingRestarts.set(name, timer);
  };

  const launch = async (name: ServiceName, env?: Readonly<Record<string, string>>) => {
    lastEnv.set(name, env);
    const started = await startServiceProcess({
      name,
      address: healthAddresses[name],
      env: environment(name, env),
      onOutput: (line) => options.onOutput?.(name, line),
    });
    const startedAt = Date.now();
    children.set(name, started);
    void started.exited.then((code) => {
      if (children.get(name) === started) children.delete(name);
      if (stopping.has(name) || closed) return;
      const exit = { code, signal: started.child.signalCode, ranForMs: Date.now() - startedAt };
      options.onUnexpectedExit?.(name, exit);
      scheduleRestart(name, exit.ranForMs);
    });
  };

  const mesh: Mesh = {
    addresses,
    healthAddresses,
    async start(name, env) {
      const attempt = launch(name, env);
      starting.set(name, attempt);
      try {
        await attempt;
      } finally {
        if (starting.get(name) === attempt) starting.delete(name);
      }
    },
    async stop(name, signal = "SIGTERM") {
      stopping.add(name);
      try {
        clearTimeout(pendingRestarts.get(name));
        pendingRestarts.delete(name);
        // A restart in progress finishes first, so that its process is stopped too.
        await starting.get(name)?.catch(() => {});
        const running = children.get(name);
        if (!running) return null;
        return await running.stop(signal);
      } finally {
        stopping.delete(name);
      }
    },
    process: (name) => children.get(name)?.child,
    async stopAll() {
      closed = true;
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
