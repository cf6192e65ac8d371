import { changeInPeriod, type ScaleEvent } from "./scale-events.js";
import type { Behavior, ScalingRules } from "./spec.js";

/** What the policies see: the current count and the changes made recently. */
export interface RateLimitInput {
  readonly currentReplicas: number;
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
  readonly rules: ScalingRules;
  /** Converts a policy's periodSeconds to clock milliseconds (time compression). */
  readonly toMs: (seconds: number) => number;
  readonly now: number;
}

/**
 * The most replicas the scale-up policies allow now (calculateScaleUpLimitWithScalingRules):
 * each policy counts from the replica count at the start of its period; `Max` takes the most
 * generous policy, `Min` the strictest, `Disabled` forbids scaling up.
 */
export function scaleUpLimit(input: RateLimitInput): number {
  const { rules } = input;
  if (rules.selectPolicy === "Disabled") return input.currentReplicas;
  const proposals = rules.policies.map((policy) => {
    const start = periodStartReplicas(input, policy.periodSeconds);
    // Rounded up, or a small Percent policy could never add a single pod.
    return policy.type === "Pods"
      ? start + policy.value
      : Math.ceil(start * (1 + policy.value / 100));
  });
  return rules.selectPolicy === "Min" ? Math.min(...proposals) : Math.max(...proposals);
}

/**
 * The fewest replicas the scale-down policies allow now (calculateScaleDownLimitWithBehaviors):
 * `Max` selects the policy that removes most (the lowest floor), `Min` the one that removes least.
 */
export function scaleDownLimit(input: RateLimitInput): number {
  const { rules } = input;
  if (rules.selectPolicy === "Disabled") return input.currentReplicas;
  const proposals = rules.policies.map((policy) => {
    const start = periodStartReplicas(input, policy.periodSeconds);
    // Go's int32() of the float truncates: a Percent policy never removes a fractional pod.
    return policy.type === "Pods"
      ? start - policy.value
      : Math.trunc(start * (1 - policy.value / 100));
  });
  return rules.selectPolicy === "Min" ? Math.max(...proposals) : Math.min(...proposals);
}

function periodStartReplicas(input: RateLimitInput, periodSeconds: number): number {
  const periodMs = input.toMs(periodSeconds);
  const added = changeInPeriod(input.scaleUpEvents, periodMs, input.now);
  const removed = changeInPeriod(input.scaleDownEvents, periodMs, input.now);
  return input.currentReplicas - added + removed;
}

/** The inputs of convertDesiredReplicasWithBehaviorRate. */
export interface LimitRateInput {
  readonly currentReplicas: number;
  /** The stabilised recommendation. */
  readonly desiredReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: Behavior;
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
  readonly toMs: (seconds: number) => number;
  readonly now: number;
}

/**
 * Applies the policies' rate limits and then min/max (convertDesiredReplicasWithBehaviorRate),
 * returning the count and the ScalingLimited reason the HPA would report.
 */
export function limitRate(input: LimitRateInput): { replicas: number; reason: string } {
  const { currentReplicas: current, desiredReplicas: desired, minReplicas, maxReplicas } = input;
  const common = {
    currentReplicas: current,
    scaleUpEvents: input.scaleUpEvents,
    scaleDownEvents: input.scaleDownEvents,
    toMs: input.toMs,
    now: input.now,
  };
  if (desired > current) {
    // A limit below the current count (recent events) holds the count; it never scales down.
    const rateLimit = Math.max(scaleUpLimit({ ...common, rules: input.behavior.scaleUp }), current);
    const allowed = Math.min(maxReplicas, rateLimit);
    const reason = maxReplicas > rateLimit ? "ScaleUpLimit" : "TooManyReplicas";
    if (desired > allowed) return { replicas: allowed, reason };
  } else if (desired < current) {
    const rateLimit = Math.min(
      scaleDownLimit({ ...common, rules: input.behavior.scaleDown }),
      current,
    );
    const allowed = Math.max(minReplicas, rateLimit);
    const reason = minReplicas < rateLimit ? "ScaleDownLimit" : "TooFewReplicas";
    if (desired < allowed) return { replicas: allowed, reason };
  }
  return { replicas: desired, reason: "DesiredWithinRange" };
}
