import type { ServiceName } from "../../local/mesh.js";
import {
  CpuSampler,
  type Decision,
  HorizontalController,
  type PodMetric,
  type ServiceAutoscaling,
  type TimeScale,
} from "../autoscaler/index.js";
import type { Cluster } from "../cluster.js";
import { ScaledDeployment } from "./scaled-deployment.js";

/** One pod at one sync: its CPU (percent of request; undefined = no sample) and calls served. */
export interface PodSample {
  readonly name: string;
  readonly ip: string;
  readonly utilization: number | undefined;
  /** Calls it logged since the previous sync. */
  readonly calls: number;
  /** Of those, the calls per caller (the peer's SPIFFE ID; "" for a caller without one). */
  readonly callers: Readonly<Record<string, number>>;
  readonly ready: boolean;
  readonly deleting: boolean;
}

/** One sync of one HPA: the inputs it saw and what it decided. */
export interface SyncRecord {
  readonly at: number;
  readonly service: ServiceName;
  readonly decision: Decision;
  readonly pods: readonly PodSample[];
  /** Ready, not terminating pods after the decision was applied. */
  readonly readyPods: number;
}

/** The HPA controller running over the simulated cluster. */
export interface AutoscalingLoop {
  readonly records: SyncRecord[];
  readonly deployments: ReadonlyMap<ServiceName, ScaledDeployment>;
  /** Stops syncing, then waits for the pod starts and terminations under way. */
  stop(): Promise<void>;
}

// --horizontal-pod-autoscaler-sync-period (15 s), compressed like every other duration.
const syncPeriodSeconds = 15;

/**
 * Every sync period: reads each pod's CPU from /proc (its average over the metric window ending
 * now, over the pod's CPU request, as metrics-server and the HPA compute it), runs each service's
 * HorizontalController and applies its decision to the Deployment. Every sync is recorded and
 * passed to `onSync`.
 */
export function startAutoscalingLoop(options: {
  readonly cluster: Cluster;
  readonly autoscalers: Partial<Record<ServiceName, ServiceAutoscaling>>;
  readonly time: TimeScale;
  /** metrics-server's --metric-resolution: the window each CPU figure averages over (simulated s). */
  readonly metricWindowSeconds: number;
  readonly onSync?: (record: SyncRecord) => void;
  readonly onEvent?: (service: ServiceName, line: string) => void;
}): AutoscalingLoop {
  const sampler = new CpuSampler(options.time.toMs(options.metricWindowSeconds));
  const records: SyncRecord[] = [];
  const deployments = new Map<ServiceName, ScaledDeployment>();
  const controllers = new Map<ServiceName, HorizontalController>();
  const logged = new Map<string, number>(); // replica ip → output lines already counted
  for (const [service, autoscaling] of Object.entries(options.autoscalers) as [
    ServiceName,
    ServiceAutoscaling,
  ][]) {
    const onEvent = (line: string) => options.onEvent?.(service, line);
    deployments.set(service, new ScaledDeployment(service, options.cluster, onEvent));
    controllers.set(service, new HorizontalController(autoscaling.spec, options.time));
  }

  const sync = async (service: ServiceName) => {
    const deployment = deployments.get(service);
    const controller = controllers.get(service);
    const request = options.autoscalers[service]?.cpuRequestMillicores;
    if (!deployment || !controller || request === undefined) return;
    const metrics = new Map<string, PodMetric>();
    const pods: PodSample[] = [];
    for (const pod of deployment.running()) {
      const replica = pod.replica;
      const pid = replica?.process.child.pid;
      if (!replica || pid === undefined) continue;
      const metric = await sampler.sample(pid);
      if (metric) metrics.set(pod.name, metric);
      const seen = logged.get(replica.ip) ?? 0;
      const served = replica.output.slice(seen).filter((line) => line.includes('"msg":"rpc"'));
      const callers: Record<string, number> = {};
      for (const line of served) {
        const peer = /"peer":"([^"]*)"/.exec(line)?.[1] ?? "";
        callers[peer] = (callers[peer] ?? 0) + 1;
      }
      logged.set(replica.ip, replica.output.length);
      pods.push({
        name: pod.name,
        ip: replica.ip,
        utilization: metric ? (metric.millicores / request) * 100 : undefined,
        calls: served.length,
        callers,
        ready: pod.readyAt !== undefined,
        deleting: pod.deleting,
      });
    }
    const now = Date.now();
    const decision = controller.reconcile({
      currentReplicas: deployment.replicas,
      pods: deployment.podStates(request),
      metrics,
      now,
    });
    if (decision.desiredReplicas !== decision.currentReplicas) {
      deployment.scale(decision.desiredReplicas);
    }
    const record = { at: now, service, decision, pods, readyPods: deployment.ready().length };
    records.push(record);
    options.onSync?.(record);
  };

  let running = true;
  let syncing = false;
  let loop = Promise.resolve();
  const tick = () => {
    // A sync still running when the period ends (a saturated machine) is not queued behind:
    // queued syncs ran back to back over CPU windows of milliseconds, with wild readings. The
    // controller, too, takes each HPA up again only once its last reconcile is done.
    if (!running || syncing) return;
    syncing = true;
    loop = loop
      .then(async () => {
        for (const service of deployments.keys()) await sync(service);
      })
      .catch((error: unknown) => console.error("autoscaler sync failed:", error))
      .finally(() => {
        syncing = false;
      });
  };
  const timer = setInterval(tick, options.time.toMs(syncPeriodSeconds));
  tick();
  return {
    records,
    deployments,
    stop: async () => {
      running = false;
      clearInterval(timer);
      await loop;
      for (const deployment of deployments.values()) await deployment.settled();
    },
  };
}
