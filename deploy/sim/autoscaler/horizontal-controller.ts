import type { PodMetric, PodState, ReadinessTiming } from "./pod-state.js";
import { limitRate } from "./rate-limits.js";
import { defaultTolerance, resourceReplicas } from "./replica-calculator.js";
import { longestPeriodSeconds, recordEvent, type ScaleEvent } from "./scale-events.js";
import type { AutoscalerSpec } from "./spec.js";
import { type Recommendation, stabilize } from "./stabilization.js";
import type { TimeScale } from "./time-scale.js";

/** What one sync of one HPA observed and decided. */
export interface Decision {
  readonly currentReplicas: number;
  /** What the metric alone asks for; undefined when it could not be computed. */
  readonly metricReplicas: number | undefined;
  /** Average CPU utilisation of the trusted samples, percent of request. */
  readonly utilization: number | undefined;
  readonly desiredReplicas: number;
  /** Why desiredReplicas differs from the metric's count (the HPA condition reasons). */
  readonly reason: string;
}

/** The observed state of the scale target at one sync. */
export interface Observation {
  readonly currentReplicas: number;
  readonly pods: readonly PodState[];
  readonly metrics: ReadonlyMap<string, PodMetric>;
  readonly now: number;
}

/** Controller-manager settings, in simulated seconds (scaled by the time scale). */
export interface ControllerFlags {
  /** --horizontal-pod-autoscaler-tolerance (0.1). */
  readonly tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (300 s). */
  readonly cpuInitializationPeriodSeconds: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  readonly initialReadinessDelaySeconds: number;
}

/** kube-controller-manager's defaults. */
export const defaultControllerFlags: ControllerFlags = {
  tolerance: defaultTolerance,
  cpuInitializationPeriodSeconds: 300,
  initialReadinessDelaySeconds: 30,
};

/**
 * The HPA controller's state for one HorizontalPodAutoscaler (recommendation history, recent
 * scale events) and its reconcile step (reconcileAutoscaler in horizontal.go, CPU Utilization
 * metric, spec.behavior set). Pure: the caller supplies the observation and applies the result.
 */
export class HorizontalController {
  /** undefined until the first sync, which records the current count (recordInitialRecommendation). */
  private recommendations: Recommendation[] | undefined;
  private scaleUpEvents: ScaleEvent[] = [];
  private scaleDownEvents: ScaleEvent[] = [];
  private readonly timing: ReadinessTiming;

  constructor(
    private readonly spec: AutoscalerSpec,
    private readonly time: TimeScale,
    private readonly flags: ControllerFlags = defaultControllerFlags,
  ) {
    this.timing = {
      cpuInitializationPeriodMs: time.toMs(flags.cpuInitializationPeriodSeconds),
      initialReadinessDelayMs: time.toMs(flags.initialReadinessDelaySeconds),
    };
  }

  /** One sync: decides the replica count and, when it differs, records the scale event. */
  reconcile(observation: Observation): Decision {
    // A controller that has just started treats the current count as a recent recommendation,
    // so a restart cannot scale down before one stabilisation window has passed.
    this.recommendations ??= [{ replicas: observation.currentReplicas, at: observation.now }];
    const decision = this.decide(observation);
    const { currentReplicas, desiredReplicas } = decision;
    if (desiredReplicas !== currentReplicas) {
      const up = desiredReplicas > currentReplicas;
      const rules = up ? this.spec.behavior.scaleUp : this.spec.behavior.scaleDown;
      const event = { change: Math.abs(desiredReplicas - currentReplicas), at: observation.now };
      const keep = this.time.toMs(longestPeriodSeconds(rules));
      if (up) this.scaleUpEvents = recordEvent(this.scaleUpEvents, event, keep);
      else this.scaleDownEvents = recordEvent(this.scaleDownEvents, event, keep);
    }
    return decision;
  }

  private decide(observation: Observation): Decision {
    const { currentReplicas } = observation;
    const { minReplicas, maxReplicas } = this.spec;
    const fixed = (desiredReplicas: number, reason: string): Decision => ({
      currentReplicas,
      metricReplicas: undefined,
      utilization: undefined,
      desiredReplicas,
      reason,
    });
    // Scaled to zero by hand: the HPA leaves the target alone.
    if (currentReplicas === 0 && minReplicas !== 0) return fixed(0, "ScalingDisabled");
    if (currentReplicas > maxReplicas) return fixed(maxReplicas, "AboveMaxReplicas");
    if (currentReplicas < minReplicas) return fixed(minReplicas, "BelowMinReplicas");
    let metric: { replicas: number; utilization: number };
    try {
      metric = resourceReplicas({
        currentReplicas,
        targetUtilization: this.spec.targetCpuUtilization,
        pods: observation.pods,
        metrics: observation.metrics,
        tolerance: this.flags.tolerance,
        timing: this.timing,
        now: observation.now,
      });
    } catch (error) {
      // FailedGetResourceMetric: the controller keeps the current count.
      return fixed(currentReplicas, `FailedGetResourceMetric: ${(error as Error).message}`);
    }
    const { replicas, reason } = this.normalize(currentReplicas, metric.replicas, observation.now);
    return {
      currentReplicas,
      metricReplicas: metric.replicas,
      utilization: metric.utilization,
      desiredReplicas: replicas,
      reason,
    };
  }

  /** normalizeDesiredReplicasWithBehaviors: stabilise, then limit the rate, then min/max. */
  private normalize(
    current: number,
    desired: number,
    now: number,
  ): { replicas: number; reason: string } {
    const { behavior, minReplicas, maxReplicas } = this.spec;
    const stabilized = stabilize({
      history: this.recommendations ?? [],
      currentReplicas: current,
      desiredReplicas: desired,
      scaleUpWindowMs: this.time.toMs(behavior.scaleUp.stabilizationWindowSeconds),
      scaleDownWindowMs: this.time.toMs(behavior.scaleDown.stabilizationWindowSeconds),
      now,
    });
    this.recommendations = stabilized.history;
    const limited = limitRate({
      currentReplicas: current,
      desiredReplicas: stabilized.replicas,
      minReplicas,
      maxReplicas,
      behavior,
      scaleUpEvents: this.scaleUpEvents,
      scaleDownEvents: this.scaleDownEvents,
      toMs: this.time.toMs,
      now,
    });
    if (limited.replicas !== stabilized.replicas || stabilized.replicas === desired) return limited;
    return {
      replicas: limited.replicas,
      reason: desired >= current ? "ScaleUpStabilized" : "ScaleDownStabilized",
    };
  }
}
