import type { ScalingRules } from "./spec.js";

/** One completed scale operation, kept as long as a policy period can still see it. */
export interface ScaleEvent {
  /** Pods added (scale-up list) or removed (scale-down list), always positive. */
  readonly change: number;
  readonly at: number;
}

/** Replicas changed by the events inside the period ending now (getReplicasChangePerPeriod). */
export function changeInPeriod(
  events: readonly ScaleEvent[],
  periodMs: number,
  now: number,
): number {
  const cutoff = now - periodMs;
  let change = 0;
  for (const event of events) if (event.at > cutoff) change += event.change;
  return change;
}

/** Drops the events no policy of `rules` can see any more, then adds `event` (storeScaleEvent). */
export function recordEvent(
  events: readonly ScaleEvent[],
  event: ScaleEvent,
  longestPeriodMs: number,
): ScaleEvent[] {
  return [...events.filter((old) => old.at >= event.at - longestPeriodMs), event];
}

/** The longest `periodSeconds` among the policies (getLongestPolicyPeriod). */
export function longestPeriodSeconds(rules: ScalingRules): number {
  return Math.max(0, ...rules.policies.map((policy) => policy.periodSeconds));
}
