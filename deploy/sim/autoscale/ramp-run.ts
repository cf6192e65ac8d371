import type { ServiceName } from "../../local/mesh.js";
import { readAutoscalers, type ServiceAutoscaling, type TimeScale } from "../autoscaler/index.js";
import { renderChart } from "../chart-config.js";
import type { Cluster } from "../cluster.js";
import { type ClusterIp, type ClusterIpConnection, startClusterIp } from "../cluster-ip.js";
import { type AutoscalingLoop, type SyncRecord, startAutoscalingLoop } from "./autoscaling-loop.js";
import { type LoadRamp, type LoadStage, startLoadRamp } from "./load-ramp.js";
import { syncLine } from "./report.js";

/** What a ramp under the simulated HPA recorded. */
export interface RampResult {
  readonly startedAt: number;
  /** The metric window the HPA's CPU figures averaged over, simulated seconds. */
  readonly metricWindowSeconds: number;
  /** When the last stage of the load ended. */
  readonly loadEndedAt: number;
  readonly records: readonly SyncRecord[];
  readonly load: LoadRamp;
  readonly autoscalers: Partial<Record<ServiceName, ServiceAutoscaling>>;
  /** Every pod event (ready, terminating, exited) with its time. */
  readonly events: readonly { at: number; service: ServiceName; line: string }[];
  /** Per service, every connection of the load its ClusterIP stand-in sent to a pod. */
  readonly clusterIpConnections: Readonly<Record<ServiceName, readonly ClusterIpConnection[]>>;
  readonly backAtMinimum: boolean;
}

/** The HPAs of the chart rendered with `overrides` (what a cluster's controller would act on). */
export async function chartAutoscalers(
  overrides: readonly string[] = [],
): Promise<Partial<Record<ServiceName, ServiceAutoscaling>>> {
  return readAutoscalers(await renderChart(overrides));
}

/**
 * Drives `cluster` with `shopmesh load` through ClusterIP stand-ins (kube-proxy: a pod per
 * connection) while the simulated HPA scales it; after the load, waits until every Deployment is
 * back at its minReplicas (or `settleS` seconds have passed) and the pods have terminated.
 */
export async function runRamp(options: {
  readonly cluster: Cluster;
  readonly autoscalers: Partial<Record<ServiceName, ServiceAutoscaling>>;
  readonly time: TimeScale;
  /** The metric window (metrics-server's resolution), simulated seconds. */
  readonly metricWindowSeconds: number;
  readonly stages: readonly LoadStage[];
  readonly trustDir: string;
  readonly settleS: number;
  readonly log: (line: string) => void;
}): Promise<RampResult> {
  const { cluster, time } = options;
  const startedAt = Date.now();
  const events: { at: number; service: ServiceName; line: string }[] = [];
  const proxies: ClusterIp[] = [];
  const clusterIp = async (service: ServiceName) => {
    const proxy = await startClusterIp(() => cluster.endpoints(service).map((r) => r.address));
    proxies.push(proxy);
    return proxy;
  };
  const clusterIps = {
    user: await clusterIp("user"),
    product: await clusterIp("product"),
    order: await clusterIp("order"),
  };
  const addresses = {
    user: clusterIps.user.address,
    product: clusterIps.product.address,
    order: clusterIps.order.address,
  };
  let loop: AutoscalingLoop | undefined;
  let load: LoadRamp | undefined;
  try {
    loop = startAutoscalingLoop({
      cluster,
      autoscalers: options.autoscalers,
      time,
      metricWindowSeconds: options.metricWindowSeconds,
      onSync: (record) => options.log(syncLine(record, startedAt, time)),
      onEvent: (service, line) => {
        events.push({ at: Date.now(), service, line });
        options.log(
          `${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s ${service.padEnd(7)} ${line}`,
        );
      },
    });
    load = startLoadRamp({
      stages: options.stages,
      addresses,
      trustDir: options.trustDir,
      onLine: (stage, line) => {
        if (!/^\s*\d+s\s/.test(line)) options.log(`load#${stage}: ${line}`);
      },
    });
    await load.done;
    const loadEndedAt = Date.now();
    const atMinimum = () =>
      [...(loop?.deployments ?? new Map()).entries()].every(
        ([service, deployment]) =>
          deployment.replicas === options.autoscalers[service as ServiceName]?.spec.minReplicas,
      );
    const giveUpAt = Date.now() + options.settleS * 1000;
    while (!atMinimum() && Date.now() < giveUpAt) await new Promise((r) => setTimeout(r, 250));
    const backAtMinimum = atMinimum();
    await loop.stop();
    return {
      startedAt,
      metricWindowSeconds: options.metricWindowSeconds,
      loadEndedAt,
      records: loop.records,
      load,
      autoscalers: options.autoscalers,
      events,
      clusterIpConnections: {
        user: clusterIps.user.connections,
        product: clusterIps.product.connections,
        order: clusterIps.order.connections,
      },
      backAtMinimum,
    };
  } finally {
    await load?.stop();
    await loop?.stop();
    for (const proxy of proxies) await proxy.close();
  }
}
