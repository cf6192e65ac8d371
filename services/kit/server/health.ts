import {
  type Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";
import { invalidArgument, notFound, RpcError, Status } from "../rpc-error.js";
import type { ServiceHandlers } from "./grpc-service.js";

export { ServingStatus };

/**
 * The health name a liveness probe asks: SERVING for as long as the process answers at all, never
 * tied to the database or to draining, so an outage of a dependency restarts nothing.
 */
export const LIVENESS = "liveness";

type Listener = (status: ServingStatus) => void;

/** Bounds on Watch streams, which are long-lived and outside load shedding. */
export interface HealthLimits {
  /** Open Watch streams at most; more are refused with RESOURCE_EXHAUSTED. */
  readonly maxWatches: number;
}

// Longer than any full service name; a name can be sent by anyone, so it is bounded.
const maxNameLength = 256;

/**
 * The serving status of each service of a server, and of the server as a whole (the empty
 * name), per the gRPC health checking protocol. Kubernetes probes and load balancers ask it.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly closers = new Set<() => void>();
  private readonly readiness: readonly string[];

  /**
   * Registers services (and the server itself as "") as NOT_SERVING until told otherwise, and
   * {@link LIVENESS} as SERVING.
   */
  constructor(
    serviceNames: readonly string[],
    private readonly limits: HealthLimits = { maxWatches: 1_000 },
  ) {
    this.readiness = ["", ...serviceNames];
    for (const name of this.readiness) this.statuses.set(name, ServingStatus.NOT_SERVING);
    this.statuses.set(LIVENESS, ServingStatus.SERVING);
  }

  /**
   * Sets the server and its services (readiness: the database, a drain) to `status`, telling
   * watchers of each that changed; {@link LIVENESS} and components keep theirs.
   */
  setAll(status: ServingStatus): void {
    for (const name of this.readiness) this.set(name, status);
  }

  /**
   * Reports a component the service works without (the event broker) under its own name:
   * NOT_SERVING while it is down, while the server and its services stay as readiness says. The
   * service is then degraded, not out of rotation: probes ask "" and never see it.
   */
  setComponent(name: string, up: boolean): void {
    if (name === LIVENESS || this.readiness.includes(name)) {
      throw new Error(`health component "${name}" would shadow a readiness or liveness name`);
    }
    this.set(name, up ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  /** Sets one name's status. */
  set(name: string, status: ServingStatus): void {
    if (this.statuses.get(name) === status) return;
    this.statuses.set(name, status);
    for (const listener of this.listeners.get(name) ?? []) listener(status);
  }

  /** The status of `name`, or undefined when the server does not serve it. */
  get(name: string): ServingStatus | undefined {
    return this.statuses.get(name);
  }

  /** Open Watch streams, and the names they watch (each kept only while watched). */
  watching(): { streams: number; names: number } {
    return { streams: this.closers.size, names: this.listeners.size };
  }

  /** Ends every open Watch stream: a server draining for shutdown must not wait on them. */
  closeWatches(): void {
    for (const close of this.closers) close();
  }

  /** The grpc.health.v1.Health implementation backed by this registry. */
  handlers(): ServiceHandlers<typeof Health> {
    return {
      check: async ({ service }) => {
        const status = this.get(service);
        if (status === undefined) {
          throw notFound(`health of service "${service}"`, "SERVICE_UNKNOWN", {
            resourceType: "grpc.health.v1 service",
            resourceName: service,
          });
        }
        return { status };
      },
      list: async () => ({
        statuses: Object.fromEntries(
          [...this.statuses].map(([name, status]) => [name, { status }]),
        ),
      }),
      watch: async ({ service }, send, context) => {
        if (service.length > maxNameLength) {
          throw invalidArgument("service", `must be at most ${maxNameLength} characters`);
        }
        if (this.closers.size >= this.limits.maxWatches) {
          throw new RpcError(
            Status.RESOURCE_EXHAUSTED,
            `too many health watches (limit ${this.limits.maxWatches}); use Check, or retry later`,
            { details: { reason: "TOO_MANY_WATCHES", retryDelayMs: 1000 } },
          );
        }
        return new Promise<void>((resolve) => {
          const listener: Listener = (status) => send({ status });
          const close = () => {
            const watchers = this.listeners.get(service);
            watchers?.delete(listener);
            // The last watcher of a name takes its entry along: names are the callers' to choose.
            if (watchers?.size === 0) this.listeners.delete(service);
            this.closers.delete(close);
            resolve();
          };
          send({ status: this.get(service) ?? ServingStatus.SERVICE_UNKNOWN });
          const watchers = this.listeners.get(service) ?? new Set();
          this.listeners.set(service, watchers.add(listener));
          this.closers.add(close);
          if (context.signal.aborted) close();
          else context.signal.addEventListener("abort", close, { once: true });
        });
      },
    };
  }
}
