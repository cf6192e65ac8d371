import { groupPods, type PodMetric, type PodState, type ReadinessTiming } from "./pod-state.js";

/** The inputs of one CPU utilisation calculation (GetResourceReplicas). */
export interface ResourceReplicasInput {
  readonly currentReplicas: number;
  /** Target average utilisation in percent of the request. */
  readonly targetUtilization: number;
  readonly pods: readonly PodState[];
  readonly metrics: ReadonlyMap<string, PodMetric>;
  /** A change is made only when |1 − ratio| exceeds it (--horizontal-pod-autoscaler-tolerance). */
  readonly tolerance: number;
  readonly timing: ReadinessTiming;
  readonly now: number;
}

/** The replica count the metric asks for, and the utilisation it saw. */
export interface ResourceReplicas {
  readonly replicas: number;
  /** Average utilisation of the trusted samples, in whole percent (as in the HPA status). */
  readonly utilization: number;
}

/** The controller's default tolerance: 10%. */
export const defaultTolerance = 0.1;

/**
 * desiredReplicas = ceil(readyPods × utilisation / target), as replica_calculator.go computes
 * it: within the tolerance nothing changes; when pods lack samples or are not ready, the ratio
 * is recomputed assuming the least movement (missing = 100% of request on scale-down and 0% on
 * scale-up, unready = 0% on scale-up), and a recomputation that reverses direction or falls
 * inside the tolerance keeps the current count.
 */
export function resourceReplicas(input: ResourceReplicasInput): ResourceReplicas {
  const { pods, currentReplicas, targetUtilization, tolerance } = input;
  if (pods.length === 0)
    throw new Error("no pods returned by selector while calculating replica count");
  const groups = groupPods(pods, input.metrics, input.timing, input.now);
  const samples = new Map(
    [...input.metrics].filter(([name]) => !groups.ignored.has(name) && !groups.unready.has(name)),
  );
  const requests = new Map<string, number>();
  for (const pod of pods) {
    if (pod.cpuRequestMillicores === undefined)
      throw new Error(`missing request for cpu in pod ${pod.name}`);
    requests.set(pod.name, pod.cpuRequestMillicores);
  }
  if (samples.size === 0) throw new Error("did not receive metrics for any ready pods");
  const first = utilizationRatio(samples, requests, targetUtilization);
  const { ratio, utilization } = first;

  const rebalanceUnready = groups.unready.size > 0 && ratio > 1;
  if (!rebalanceUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return { replicas: currentReplicas, utilization };
    return { replicas: Math.ceil(ratio * groups.readyPodCount), utilization };
  }
  if (ratio < 1) {
    for (const name of groups.missing) samples.set(name, sampleAt(requests.get(name) ?? 0));
  } else if (ratio > 1) {
    for (const name of groups.missing) samples.set(name, sampleAt(0));
  }
  if (rebalanceUnready) for (const name of groups.unready) samples.set(name, sampleAt(0));

  const second = utilizationRatio(samples, requests, targetUtilization).ratio;
  if (Math.abs(1 - second) <= tolerance || (ratio < 1 && second > 1) || (ratio > 1 && second < 1)) {
    return { replicas: currentReplicas, utilization };
  }
  const replicas = Math.ceil(second * samples.size);
  if ((second < 1 && replicas > currentReplicas) || (second > 1 && replicas < currentReplicas)) {
    return { replicas: currentReplicas, utilization };
  }
  return { replicas, utilization };
}

function sampleAt(millicores: number): PodMetric {
  return { millicores, timestamp: 0, windowMs: 0 };
}

/** GetResourceUtilizationRatio: total usage over total request, truncated to whole percent. */
function utilizationRatio(
  samples: ReadonlyMap<string, PodMetric>,
  requests: ReadonlyMap<string, number>,
  target: number,
): { ratio: number; utilization: number } {
  let used = 0;
  let requested = 0;
  for (const [name, sample] of samples) {
    const request = requests.get(name);
    // A sample of a pod the selector no longer lists is superfluous, as in the controller.
    if (request === undefined) continue;
    used += sample.millicores;
    requested += request;
  }
  if (requested === 0) throw new Error("no metrics returned matched known pods");
  // Go's int32 conversion of an integer division: truncate toward zero.
  const utilization = Math.trunc((Math.trunc(used) * 100) / requested);
  return { ratio: utilization / target, utilization };
}
