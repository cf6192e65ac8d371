import { describe, expect, it } from "vitest";
import { limitRate } from "./rate-limits.js";
import type { ScaleEvent } from "./scale-events.js";
import { type BehaviorInput, type ScalingPolicy, type ScalingRules, withDefaults } from "./spec.js";
import { stabilize } from "./stabilization.js";
import { timeScale } from "./time-scale.js";

// Cases copied from kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go:
// TestScalingWithRules (convertDesiredReplicasWithBehaviorRate) and
// TestNormalizeDesiredReplicasWithBehavior (stabilizeRecommendationWithBehaviors).
const now = 10_000_000;
const realTime = timeScale(1);

/** generateScalingRules(pods, podsPeriod, percent, percentPeriod, window): zero = left out. */
function rules(
  pods: number,
  podsPeriod: number,
  percent: number,
  percentPeriod: number,
  window: number,
) {
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

interface RateCase {
  name: string;
  current: number;
  desired: number;
  min: number;
  max: number;
  up?: Partial<ScalingRules>;
  down?: Partial<ScalingRules>;
  upEvents?: ScaleEvent[];
  downEvents?: ScaleEvent[];
  expected: number;
  reason: string;
}

const rateCases: RateCase[] = [
  {
    name: "prenormalized desired replicas within range",
    current: 5,
    desired: 7,
    min: 3,
    max: 8,
    expected: 7,
    reason: "DesiredWithinRange",
  },
  {
    name: "prenormalized desired replicas < minReplicas",
    current: 3,
    desired: 1,
    min: 2,
    max: 8,
    expected: 2,
    reason: "TooFewReplicas",
  },
  {
    name: "prenormalized desired replicas within range when minReplicas is 0",
    current: 1,
    desired: 0,
    min: 0,
    max: 10,
    expected: 0,
    reason: "DesiredWithinRange",
  },
  {
    name: "maxReplicas is the limit because maxReplicas < scaleUpLimit",
    current: 20,
    desired: 1000,
    min: 1,
    max: 10,
    expected: 10,
    reason: "TooManyReplicas",
  },
  {
    name: "desired replica count is more than the maximum replica count",
    current: 100,
    desired: 1000,
    min: 100,
    max: 150,
    expected: 150,
    reason: "TooManyReplicas",
  },
  {
    name: "scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies",
    current: 3,
    desired: 1000,
    min: 1,
    max: 2000,
    up: rules(0, 0, 1, 60, 0),
    expected: 4,
    reason: "ScaleUpLimit",
  },
  {
    name: "scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies",
    current: 1000,
    desired: 3,
    min: 3,
    max: 2000,
    down: rules(20, 60, 0, 0, 0),
    expected: 980,
    reason: "ScaleDownLimit",
  },
  {
    name: "scaleUp with default behavior",
    current: 10,
    desired: 50,
    min: 1,
    max: 1000,
    expected: 20,
    reason: "ScaleUpLimit",
  },
  {
    name: "scaleUp with pods policy larger than percent policy",
    current: 10,
    desired: 500,
    min: 1,
    max: 1000,
    up: rules(100, 60, 100, 60, 0),
    expected: 110,
    reason: "ScaleUpLimit",
  },
  {
    name: "scaleUp with percent policy larger than pods policy",
    current: 10,
    desired: 500,
    min: 1,
    max: 1000,
    up: rules(2, 60, 100, 60, 0),
    expected: 20,
    reason: "ScaleUpLimit",
  },
  {
    name: "scaleUp with spec MaxReplicas limitation with large pod policy",
    current: 10,
    desired: 50,
    min: 1,
    max: 1000,
    up: rules(100, 60, 0, 0, 0),
    expected: 50,
    reason: "DesiredWithinRange",
  },
  {
    name: "scaleUp with pod policy limitation",
    current: 10,
    desired: 50,
    min: 1,
    max: 1000,
    up: rules(30, 60, 0, 0, 0),
    expected: 40,
    reason: "ScaleUpLimit",
  },
  {
    name: "scaleUp with percent policy limitation",
    current: 10,
    desired: 50,
    min: 1,
    max: 1000,
    up: rules(0, 0, 200, 60, 0),
    expected: 30,
    reason: "ScaleUpLimit",
  },
  {
    name: "scaleDown with percent policy larger than pod policy",
    current: 100,
    desired: 2,
    min: 1,
    max: 1000,
    down: rules(20, 60, 1, 60, 300),
    expected: 80,
    reason: "ScaleDownLimit",
  },
  {
    name: "scaleDown with pod policy larger than percent policy",
    current: 100,
    desired: 2,
    min: 1,
    max: 1000,
    down: rules(2, 60, 1, 60, 300),
    expected: 98,
    reason: "ScaleDownLimit",
  },
  {
    name: "scaleDown with spec MinReplicas limitation with large pod policy",
    current: 10,
    desired: 0,
    min: 1,
    max: 1000,
    down: rules(100, 60, 0, 0, 300),
    expected: 1,
    reason: "TooFewReplicas",
  },
  {
    name: "scaleDown with spec MinReplicas limitation with large percent policy",
    current: 10,
    desired: 2,
    min: 5,
    max: 1000,
    down: rules(0, 0, 100, 60, 300),
    expected: 5,
    reason: "TooFewReplicas",
  },
  {
    name: "scaleDown with pod policy limitation",
    current: 10,
    desired: 2,
    min: 1,
    max: 1000,
    down: rules(5, 60, 0, 0, 300),
    expected: 5,
    reason: "ScaleDownLimit",
  },
  {
    name: "scaleDown with percent policy limitation",
    current: 10,
    desired: 5,
    min: 1,
    max: 1000,
    down: rules(0, 0, 50, 60, 300),
    expected: 5,
    reason: "DesiredWithinRange",
  },
  {
    name: "scaleUp with spec MaxReplicas limitation with large pod policy and events",
    current: 100,
    desired: 500,
    min: 1,
    max: 200,
    up: rules(300, 60, 0, 0, 0),
    upEvents: events([1, 5, 9], 120),
    expected: 200,
    reason: "TooManyReplicas",
  },
  {
    name: "scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
    current: 100,
    desired: 500,
    min: 1,
    max: 1000,
    up: rules(5, 120, 0, 0, 0),
    upEvents: events([1, 5, 9], 120),
    expected: 100,
    reason: "ScaleUpLimit",
  },
  {
    name: "scaleUp with pod policy and previous scale up events",
    current: 100,
    desired: 500,
    min: 1,
    max: 1000,
    up: rules(150, 120, 0, 0, 0),
    upEvents: events([1, 5, 9], 120),
    expected: 235,
    reason: "ScaleUpLimit",
  },
  {
    name: "scaleUp with percent policy and previous scale up events",
    current: 100,
    desired: 500,
    min: 1,
    max: 1000,
    up: rules(0, 0, 200, 120, 0),
    upEvents: events([1, 5, 9], 120),
    expected: 255,
    reason: "ScaleUpLimit",
  },
  {
    name: "scaleDown with default policy and previous events",
    current: 10,
    desired: 5,
    min: 1,
    max: 1000,
    downEvents: events([1, 5, 9], 120),
    expected: 5,
    reason: "DesiredWithinRange",
  },
  {
    name: "scaleDown with spec MinReplicas limitation with large pod policy and previous events",
    current: 100,
    desired: 0,
    min: 5,
    max: 1000,
    down: rules(130, 120, 0, 0, 300),
    downEvents: events([1, 5, 9], 120),
    expected: 5,
    reason: "TooFewReplicas",
  },
  {
    name: "scaleDown with pod policy limitation and previous events",
    current: 100,
    desired: 2,
    min: 1,
    max: 1000,
    down: rules(5, 120, 0, 0, 300),
    downEvents: events([1, 5, 9], 120),
    expected: 100,
    reason: "ScaleDownLimit",
  },
  {
    name: "scaleDown with percent policy limitation and previous events",
    current: 100,
    desired: 0,
    min: 1,
    max: 1000,
    down: rules(0, 0, 50, 120, 300),
    downEvents: events([2, 4, 6], 120),
    expected: 56,
    reason: "ScaleDownLimit",
  },
  {
    name: "scaleDown with previous events preventing further scale down",
    current: 100,
    desired: 0,
    min: 1,
    max: 1000,
    down: rules(0, 0, 10, 120, 300),
    downEvents: events([10, 10, 10], 120),
    expected: 100,
    reason: "ScaleDownLimit",
  },
  {
    name: "scaleDown with with previous events still allowing more scale down",
    current: 10,
    desired: 5,
    min: 1,
    max: 1000,
    down: rules(0, 0, 1000, 120, 300),
    downEvents: events([10, 10, 10], 120),
    expected: 5,
    reason: "DesiredWithinRange",
  },
  {
    name: "check that events were marked 'outdated' for two different policies in the behavior for up",
    current: 100,
    desired: 200,
    min: 1,
    max: 1000,
    up: rules(1000, 30, 100, 60, 0),
    upEvents: events([8, 12, 9, 11], 120),
    expected: 200,
    reason: "DesiredWithinRange",
  },
  // The documentation's selectPolicy example ("Scaling Policies"): Pods 4 and Percent 10 per
  // 60 s on scale-down; with the default Max the policy allowing the biggest change wins, so at
  // 80 replicas Percent removes 8; with Min the smallest change wins and Pods removes 4.
  {
    name: "docs: selectPolicy Max picks the larger change",
    current: 80,
    desired: 10,
    min: 1,
    max: 100,
    down: {
      policies: [
        { type: "Pods", value: 4, periodSeconds: 60 },
        { type: "Percent", value: 10, periodSeconds: 60 },
      ],
    },
    expected: 72,
    reason: "ScaleDownLimit",
  },
  {
    name: "docs: selectPolicy Min picks the smaller change",
    current: 80,
    desired: 10,
    min: 1,
    max: 100,
    down: {
      selectPolicy: "Min",
      policies: [
        { type: "Pods", value: 4, periodSeconds: 60 },
        { type: "Percent", value: 10, periodSeconds: 60 },
      ],
    },
    expected: 76,
    reason: "ScaleDownLimit",
  },
  {
    name: "docs: selectPolicy Disabled turns scaling down off",
    current: 80,
    desired: 10,
    min: 1,
    max: 100,
    down: { selectPolicy: "Disabled" },
    expected: 80,
    reason: "ScaleDownLimit",
  },
  {
    name: "docs: selectPolicy Disabled turns scaling up off",
    current: 5,
    desired: 10,
    min: 1,
    max: 100,
    up: { selectPolicy: "Disabled" },
    expected: 5,
    reason: "ScaleUpLimit",
  },
];

describe("rate limits and min/max (TestScalingWithRules)", () => {
  it.each(rateCases)("$name → $expected", (testCase) => {
    const input: BehaviorInput = { scaleUp: testCase.up, scaleDown: testCase.down };
    expect(
      limitRate({
        currentReplicas: testCase.current,
        desiredReplicas: testCase.desired,
        minReplicas: testCase.min,
        maxReplicas: testCase.max,
        behavior: withDefaults(input),
        scaleUpEvents: testCase.upEvents ?? [],
        scaleDownEvents: testCase.downEvents ?? [],
        toMs: realTime.toMs,
        now,
      }),
    ).toEqual({ replicas: testCase.expected, reason: testCase.reason });
  });
});

const minute = 60_000;
interface StabilizeCase {
  name: string;
  history: [number, number][];
  current: number;
  desired: number;
  upWindow: number;
  downWindow: number;
  expected: number;
  kept: number[];
}

const stabilizeCases: StabilizeCase[] = [
  {
    name: "empty recommendations for scaling down",
    history: [],
    current: 100,
    desired: 5,
    upWindow: 0,
    downWindow: 0,
    expected: 5,
    kept: [5],
  },
  {
    name: "simple scale down stabilization",
    history: [
      [4, -2],
      [5, -1],
    ],
    current: 100,
    desired: 3,
    upWindow: 0,
    downWindow: 180,
    expected: 5,
    kept: [4, 5, 3],
  },
  {
    name: "simple scale up stabilization",
    history: [
      [4, -2],
      [5, -1],
    ],
    current: 1,
    desired: 7,
    upWindow: 300,
    downWindow: 0,
    expected: 4,
    kept: [4, 5, 7],
  },
  {
    name: "no scale down stabilization",
    history: [
      [1, -2],
      [2, -1],
    ],
    current: 100,
    desired: 3,
    upWindow: 300,
    downWindow: 0,
    expected: 3,
    kept: [1, 2, 3],
  },
  {
    name: "no scale up stabilization",
    history: [
      [4, -2],
      [5, -1],
    ],
    current: 1,
    desired: 3,
    upWindow: 0,
    downWindow: 300,
    expected: 3,
    kept: [4, 5, 3],
  },
  {
    name: "scale down stabilization, reuse one of obsolete recommendation element",
    history: [
      [10, -10],
      [4, -1],
      [5, -2],
      [9, -9],
    ],
    current: 100,
    desired: 3,
    upWindow: 0,
    downWindow: 180,
    expected: 5,
    kept: [4, 5, 3],
  },
  {
    name: "scale up stabilization, reuse one of obsolete recommendation element",
    history: [
      [10, -100],
      [6, -1],
      [5, -2],
      [9, -3],
    ],
    current: 1,
    desired: 100,
    upWindow: 300,
    downWindow: 300,
    expected: 5,
    kept: [6, 5, 9, 100],
  },
];

describe("stabilisation windows (TestNormalizeDesiredReplicasWithBehavior)", () => {
  it.each(stabilizeCases)("$name → $expected", (testCase) => {
    const result = stabilize({
      history: testCase.history.map(([replicas, minutes]) => ({
        replicas,
        at: now + minutes * minute,
      })),
      currentReplicas: testCase.current,
      desiredReplicas: testCase.desired,
      scaleUpWindowMs: testCase.upWindow * 1000,
      scaleDownWindowMs: testCase.downWindow * 1000,
      now,
    });
    expect(result.replicas).toBe(testCase.expected);
    // The controller reuses obsolete slots in place; we drop them. Same records are kept.
    expect(result.history.map((record) => record.replicas).sort()).toEqual(
      [...testCase.kept].sort(),
    );
  });
});
