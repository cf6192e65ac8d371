import {
  type Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../gen/grpc/health/v1/health_pb.js";
import type { ServiceHandlers } from "./grpc-service.js";
import { notFound } from "./rpc-error.js";

export { ServingStatus };

type Listener = (status: ServingStatus) => void;

/**
 * The serving status of each service of a server, and of the server as a whole (the empty
 * name), per the gRPC health checking protocol. Kubernetes probes and load balancers ask it.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly closers = new Set<() => void>();

  /** Registers services (and the server itself as "") as NOT_SERVING until told otherwise. */
  constructor(serviceNames: readonly string[]) {
    for (const name of ["", ...serviceNames]) this.statuses.set(name, ServingStatus.NOT_SERVING);
  }

  /** Sets every registered name to `status`, telling watchers of each that changed. */
  setAll(status: ServingStatus): void {
    for (const name of this.statuses.keys()) this.set(name, status);
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

  /** Ends every open Watch stream: a server draining for shutdown must not wait on them. */
  closeWatches(): void {
    for (const close of this.closers) close();
  }

  /** The grpc.health.v1.Health implementation backed by this registry. */
  handlers(): ServiceHandlers<typeof Health> {
    return {
      check: async ({ service }) => {
        const status = this.get(service);
        if (status === undefined) throw notFound(`health of service "${service}"`);
        return { status };
      },
      list: async () => ({
        statuses: Object.fromEntries(
          [...this.statuses].map(([name, status]) => [name, { status }]),
        ),
      }),
      watch: ({ service }, send, context) =>
        new Promise<void>((resolve) => {
          const listener: Listener = (status) => send({ status });
          const close = () => {
            this.listeners.get(service)?.delete(listener);
            this.closers.delete(close);
            resolve();
          };
          send({ status: this.get(service) ?? ServingStatus.SERVICE_UNKNOWN });
          if (!this.listeners.has(service)) this.listeners.set(service, new Set());
          this.listeners.get(service)?.add(listener);
          this.closers.add(close);
          if (context.signal.aborted) close();
          else context.signal.addEventListener("abort", close, { once: true });
        }),
    };
  }
}
