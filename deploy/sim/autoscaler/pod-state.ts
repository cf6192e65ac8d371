/** What the controller knows of one pod of the scale target (all times in clock milliseconds). */
export interface PodState {
  readonly name: string;
  readonly phase: "Pending" | "Running" | "Failed";
  /** The pod has a deletion timestamp (it is terminating). */
  readonly deleting: boolean;
  /** `status.startTime`; undefined until the kubelet starts it. */
  readonly startTime?: number | undefined;
  /** The Ready condition; undefined when the pod has none yet. */
  readonly ready?: { readonly status: boolean; readonly lastTransitionTime: number } | undefined;
  /** Sum of its containers' CPU requests in millicores; undefined = a container sets none. */
  readonly cpuRequestMillicores?: number | undefined;
}

/** One pod's CPU usage as metrics-server reports it. */
export interface PodMetric {
  /** Average usage over the window, in millicores. */
  readonly millicores: number;
  /** When the window ended. */
  readonly timestamp: number;
  /** Length of the window the usage is averaged over. */
  readonly windowMs: number;
}

/** How pods are sorted before the ratio is computed (groupPods in replica_calculator.go). */
export interface PodGroups {
  /** Pods whose sample counts. */
  readonly readyPodCount: number;
  /** Pending, unready or still-initialising pods: their samples are dropped (0% on scale-up). */
  readonly unready: ReadonlySet<string>;
  /** Terminating or failed pods: left out altogether. */
  readonly ignored: ReadonlySet<string>;
  /** Running pods with no sample: 100% on scale-down, 0% on scale-up. */
  readonly missing: ReadonlySet<string>;
}

/** The controller-manager flags that decide when a pod's CPU sample is trusted, scaled. */
export interface ReadinessTiming {
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
  readonly cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  readonly initialReadinessDelayMs: number;
}

/**
 * Sorts pods as the controller does for a CPU metric: a sample from a pod that is unready, or
 * that became ready less than one metric window ago while still in its initialisation period,
 * describes start-up work, not load, and is not trusted.
 */
export function groupPods(
  pods: readonly PodState[],
  metrics: ReadonlyMap<string, PodMetric>,
  timing: ReadinessTiming,
  now: number,
): PodGroups {
  const unready = new Set<string>();
  const ignored = new Set<string>();
  const missing = new Set<string>();
  let readyPodCount = 0;
  for (const pod of pods) {
    if (pod.deleting || pod.phase === "Failed") {
      ignored.add(pod.name);
      continue;
    }
    if (pod.phase === "Pending") {
      unready.add(pod.name);
      continue;
    }
    const metric = metrics.get(pod.name);
    if (!metric) {
      missing.add(pod.name);
      continue;
    }
    if (isUnreadySample(pod, metric, timing, now)) {
      unready.add(pod.name);
      continue;
    }
    readyPodCount++;
  }
  return { readyPodCount, unready, ignored, missing };
}

function isUnreadySample(
  pod: PodState,
  metric: PodMetric,
  timing: ReadinessTiming,
  now: number,
): boolean {
  const condition = pod.ready;
  if (condition === undefined || pod.startTime === undefined) return true;
  if (pod.startTime + timing.cpuInitializationPeriodMs > now) {
    // Still initialising: unready, or ready for less than one full metric window.
    return !condition.status || metric.timestamp < condition.lastTransitionTime + metric.windowMs;
  }
  // Past initialisation: ignore only a pod that has never been ready.
  return (
    !condition.status &&
    pod.startTime + timing.initialReadinessDelayMs > condition.lastTransitionTime
  );
}
