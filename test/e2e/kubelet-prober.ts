// A kubelet's gRPC probe, as the chart configures it: every periodSeconds it asks one health
// name with a timeout of timeoutSeconds, and failureThreshold failures in a row mean "restart
// the container" (liveness) or "take the pod out of its Services" (readiness).
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../services/gen/grpc/health/v1/health_pb.js";
import { createServiceClient } from "../../services/kit/index.js";

/** A probe of the chart's pod spec (grpc, periodSeconds, timeoutSeconds, failureThreshold). */
export interface GrpcProbe {
  readonly grpc: { readonly port: number; readonly service?: string };
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

/** One probe running against a target, and what it has seen. */
export interface Prober {
  /** Probes made so far. */
  readonly attempts: number;
  /** How often the failure threshold was reached: restarts for liveness. */
  readonly tripped: number;
  /** Whether the last probe succeeded. */
  readonly passing: boolean;
  /** Resolves once `count` more probes have been made. */
  afterProbes(count: number): Promise<void>;
  /** Resolves when a probe's outcome is `passing`. */
  until(passing: boolean): Promise<void>;
  stop(): void;
}

/** Starts probing `address` (host:port) the way the kubelet would with `probe`. */
export function startProber(address: string, probe: GrpcProbe, periodMs?: number): Prober {
  const health = createServiceClient(Health, {
    dependency: "kubelet",
    target: address,
    timeoutMs: probe.timeoutSeconds * 1000,
  });
  let attempts = 0;
  let failuresInRow = 0;
  let tripped = 0;
  let passing = false;
  let stopped = false;
  const waiters: (() => boolean)[] = [];
  const tick = async () => {
    const ok = await health.check({ service: probe.grpc.service ?? "" }).then(
      (response) => response.status === ServingStatus.SERVING,
      () => false,
    );
    if (stopped) return;
    attempts += 1;
    passing = ok;
    failuresInRow = ok ? 0 : failuresInRow + 1;
    if (failuresInRow === probe.failureThreshold) tripped += 1;
    for (const waiter of [...waiters]) if (waiter()) waiters.splice(waiters.indexOf(waiter), 1);
    timer = setTimeout(tick, periodMs ?? probe.periodSeconds * 1000);
  };
  let timer = setTimeout(tick, 0);
  const waitFor = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      waiters.push(() => {
        if (!done()) return false;
        resolve();
        return true;
      });
    });
  return {
    get attempts() {
      return attempts;
    },
    get tripped() {
      return tripped;
    },
    get passing() {
      return passing;
    },
    afterProbes: (count) => {
      const target = attempts + count;
      return waitFor(() => attempts >= target);
    },
    until: (wanted) => waitFor(() => passing === wanted),
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      health.close();
    },
  };
}
