import { describe, expect, it } from "vitest";
import { limitRate } from "./rate-limits.js";
import type { ScaleEvent } from "./scale-events.js";
import { type ScalingPolicy, type ScalingRules, withDefaults } from "./spec.js";
import { timeScale } from "./time-scale.js";

// Cases copied from kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go,
// TestScalingWithRules (convertDesiredReplicasWithBehaviorRate), plus the selectPolicy example
// of the HPA documentation. One case per line, in the upstream order, with the upstream names.
const now = 10_000_000;

/** generateScalingRules(pods, podsPeriod, percent, percentPeriod, window): zero = left out. */
function rules(
  pods: number,
  podsPeriod: number,
  percent: number,
  percentPeriod: number,
  window: number,
): Partial<ScalingRules> {
  const policies: ScalingPolicy[] = [];
  if (pods) policies.push({ type: "Pods", value: pods, periodSeconds: podsPeriod });
  if (percent) policies.push({ type: "Percent", value: percent, periodSeconds: percentPeriod });
  return { stabilizationWindowSeconds: window, ...(policies.length ? { policies } : {}) };
}

/** generateEventsUniformDistribution: events spread evenly over the last `period` seconds. */
function events(changes: number[], period: number): ScaleEvent[] {
  const segment = period / changes.length;
  return changes.map((change, i) => ({
    change,
    at: now - (period - segment * (i + 1) + segment / 2) * 1000,
  }));
}

/** What a case sets beyond the counts: either direction's rules, and the recent scale events. */
interface Extras {
  up?: Partial<ScalingRules>;
  down?: Partial<ScalingRules>;
  upEvents?: ScaleEvent[];
  downEvents?: ScaleEvent[];
}
/** name, current, desired (prenormalized), min, max, expected, reason, extras */
type RateCase = [string, number, number, number, number, number, string, Extras];

// The documentation's selectPolicy example ("Scaling Policies"): Pods 4 and Percent 10 per 60 s
// on scale-down; with the default Max the policy allowing the biggest change wins, so at 80
// replicas Percent removes 8; with Min the smallest change wins and Pods removes 4.
const docsPolicies: ScalingPolicy[] = [
  { type: "Pods", value: 4, periodSeconds: 60 },
  { type: "Percent", value: 10, periodSeconds: 60 },
];

// biome-ignore format: a table reads best one case per line
const cases: RateCase[] = [
  ["prenormalized desired replicas within range", 5, 7, 3, 8, 7, "DesiredWithinRange", {}],
  ["prenormalized desired replicas < minReplicas", 3, 1, 2, 8, 2, "TooFewReplicas", {}],
  ["prenormalized desired replicas within range when minReplicas is 0", 1, 0, 0, 10, 0, "DesiredWithinRange", {}],
  ["maxReplicas is the limit because maxReplicas < scaleUpLimit", 20, 1000, 1, 10, 10, "TooManyReplicas", {}],
  ["desired replica count is more than the maximum replica count", 100, 1000, 100, 150, 150, "TooManyReplicas", {}],
  ["scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", 3, 1000, 1, 2000, 4, "ScaleUpLimit", { up: rules(0, 0, 1, 60, 0) }],
  ["scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies", 1000, 3, 3, 2000, 980, "ScaleDownLimit", { down: rules(20, 60, 0, 0, 0) }],
  ["scaleUp with default behavior", 10, 50, 1, 1000, 20, "ScaleUpLimit", {}],
  ["scaleUp with pods policy larger than percent policy", 10, 500, 1, 1000, 110, "ScaleUpLimit", { up: rules(100, 60, 100, 60, 0) }],
  ["scaleUp with percent policy larger than pods policy", 10, 500, 1, 1000, 20, "ScaleUpLimit", { up: rules(2, 60, 100, 60, 0) }],
  ["scaleUp with spec MaxReplicas limitation with large pod policy", 10, 50, 1, 1000, 50, "DesiredWithinRange", { up: rules(100, 60, 0, 0, 0) }],
  ["scaleUp with pod policy limitation", 10, 50, 1, 1000, 40, "ScaleUpLimit", { up: rules(30, 60, 0, 0, 0) }],
  ["scaleUp with percent policy limitation", 10, 50, 1, 1000, 30, "ScaleUpLimit", { up: rules(0, 0, 200, 60, 0) }],
  ["scaleDown with percent policy larger than pod policy", 100, 2, 1, 1000, 80, "ScaleDownLimit", { down: rules(20, 60, 1, 60, 300) }],
  ["scaleDown with pod policy larger than percent policy", 100, 2, 1, 1000, 98, "ScaleDownLimit", { down: rules(2, 60, 1, 60, 300) }],
  ["scaleDown with spec MinReplicas limitation with large pod policy", 10, 0, 1, 1000, 1, "TooFewReplicas", { down: rules(100, 60, 0, 0, 300) }],
  ["scaleDown with spec MinReplicas limitation with large percent policy", 10, 2, 5, 1000, 5, "TooFewReplicas", { down: rules(0, 0, 100, 60, 300) }],
  ["scaleDown with pod policy limitation", 10, 2, 1, 1000, 5, "ScaleDownLimit", { down: rules(5, 60, 0, 0, 300) }],
  ["scaleDown with percent policy limitation", 10, 5, 1, 1000, 5, "DesiredWithinRange", { down: rules(0, 0, 50, 60, 300) }],
  ["scaleUp with spec MaxReplicas limitation with large pod policy and events", 100, 500, 1, 200, 200, "TooManyReplicas", { up: rules(300, 60, 0, 0, 0), upEvents: events([1, 5, 9], 120) }],
  ["scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events", 100, 500, 1, 1000, 100, "ScaleUpLimit", { up: rules(5, 120, 0, 0, 0), upEvents: events([1, 5, 9], 120) }],
  ["scaleUp with pod policy and previous scale up events", 100, 500, 1, 1000, 235, "ScaleUpLimit", { up: rules(150, 120, 0, 0, 0), upEvents: events([1, 5, 9], 120) }],
  ["scaleUp with percent policy and previous scale up events", 100, 500, 1, 1000, 255, "ScaleUpLimit", { up: rules(0, 0, 200, 120, 0), upEvents: events([1, 5, 9], 120) }],
  ["scaleDown with default policy and previous events", 10, 5, 1, 1000, 5, "DesiredWithinRange", { downEvents: events([1, 5, 9], 120) }],
  ["scaleDown with spec MinReplicas limitation with large pod policy and previous events", 100, 0, 5, 1000, 5, "TooFewReplicas", { down: rules(130, 120, 0, 0, 300), downEvents: events([1, 5, 9], 120) }],
  ["scaleDown with pod policy limitation and previous events", 100, 2, 1, 1000, 100, "ScaleDownLimit", { down: rules(5, 120, 0, 0, 300), downEvents: events([1, 5, 9], 120) }],
  ["scaleDown with percent policy limitation and previous events", 100, 0, 1, 1000, 56, "ScaleDownLimit", { down: rules(0, 0, 50, 120, 300), downEvents: events([2, 4, 6], 120) }],
  ["scaleDown with previous events preventing further scale down", 100, 0, 1, 1000, 100, "ScaleDownLimit", { down: rules(0, 0, 10, 120, 300), downEvents: events([10, 10, 10], 120) }],
  ["scaleDown with with previous events still allowing more scale down", 10, 5, 1, 1000, 5, "DesiredWithinRange", { down: rules(0, 0, 1000, 120, 300), downEvents: events([10, 10, 10], 120) }],
  ["check that events were marked 'outdated' for two different policies in the behavior for up", 100, 200, 1, 1000, 200, "DesiredWithinRange", { up: rules(1000, 30, 100, 60, 0), upEvents: events([8, 12, 9, 11], 120) }],
  ["docs: selectPolicy Max picks the larger change", 80, 10, 1, 100, 72, "ScaleDownLimit", { down: { policies: docsPolicies } }],
  ["docs: selectPolicy Min picks the smaller change", 80, 10, 1, 100, 76, "ScaleDownLimit", { down: { selectPolicy: "Min", policies: docsPolicies } }],
  ["docs: selectPolicy Disabled turns scaling down off", 80, 10, 1, 100, 80, "ScaleDownLimit", { down: { selectPolicy: "Disabled" } }],
  ["docs: selectPolicy Disabled turns scaling up off", 5, 10, 1, 100, 5, "ScaleUpLimit", { up: { selectPolicy: "Disabled" } }],
];

describe("rate limits and min/max (TestScalingWithRules)", () => {
  it.each(cases)("%s", (_name, current, desired, min, max, expected, reason, extras) => {
    expect(
      limitRate({
        currentReplicas: current,
        desiredReplicas: desired,
        minReplicas: min,
        maxReplicas: max,
        behavior: withDefaults({ scaleUp: extras.up, scaleDown: extras.down }),
        scaleUpEvents: extras.upEvents ?? [],
        scaleDownEvents: extras.downEvents ?? [],
        toMs: timeScale(1).toMs,
        now,
      }),
    ).toEqual({ replicas: expected, reason });
  });
});
