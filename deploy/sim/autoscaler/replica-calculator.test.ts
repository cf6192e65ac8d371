import { describe, expect, it } from "vitest";
import type { PodMetric, PodState } from "./pod-state.js";
import { resourceReplicas } from "./replica-calculator.js";

// Cases copied from kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go
// (TestReplicaCalc*), CPU only. Their harness gives every pod start time and Ready transition at
// the zero time, so an unready pod has "never been ready" and its sample is not trusted; it
// uses a 2 min CPU initialisation period and a 10 s initial readiness delay. Levels are
// millicores of usage; requests are per pod; pods beyond `levels` have no sample.
interface Case {
  name: string;
  currentReplicas: number;
  requests: number[];
  levels: number[];
  readiness?: boolean[];
  target: number;
  expectedReplicas: number;
  expectedUtilization: number;
}

const cases: Case[] = [
  {
    name: "TestReplicaCalcScaleUp",
    currentReplicas: 3,
    requests: [1000, 1000, 1000],
    levels: [300, 500, 700],
    target: 30,
    expectedReplicas: 5,
    expectedUtilization: 50,
  },
  {
    name: "TestReplicaCalcScaleUpUnreadyLessScale",
    currentReplicas: 3,
    requests: [1000, 1000, 1000],
    levels: [300, 500, 700],
    readiness: [false, true, true],
    target: 30,
    expectedReplicas: 4,
    expectedUtilization: 60,
  },
  {
    name: "TestReplicaCalcScaleUpUnreadyNoScale",
    currentReplicas: 3,
    requests: [1000, 1000, 1000],
    levels: [400, 500, 700],
    readiness: [true, false, false],
    target: 30,
    expectedReplicas: 3,
    expectedUtilization: 40,
  },
  {
    name: "TestReplicaCalcScaleDown",
    currentReplicas: 5,
    requests: [1000, 1000, 1000, 1000, 1000],
    levels: [100, 300, 500, 250, 250],
    target: 50,
    expectedReplicas: 3,
    expectedUtilization: 28,
  },
  {
    name: "TestReplicaCalcScaleDownIgnoresUnreadyPods",
    currentReplicas: 5,
    requests: [1000, 1000, 1000, 1000, 1000],
    levels: [100, 300, 500, 250, 250],
    readiness: [true, true, true, false, false],
    target: 50,
    expectedReplicas: 2,
    expectedUtilization: 30,
  },
  {
    name: "TestReplicaCalcTolerance",
    currentReplicas: 3,
    requests: [900, 1000, 1100],
    levels: [1010, 1030, 1020],
    target: 100,
    expectedReplicas: 3,
    expectedUtilization: 102,
  },
  {
    name: "TestReplicaCalcSuperfluousMetrics",
    currentReplicas: 4,
    requests: [1000, 1000, 1000, 1000],
    levels: [4000, 9500, 3000, 7000, 3200, 2000],
    target: 100,
    expectedReplicas: 24,
    expectedUtilization: 587,
  },
  {
    name: "TestReplicaCalcMissingMetrics",
    currentReplicas: 4,
    requests: [1000, 1000, 1000, 1000],
    levels: [400, 95],
    target: 100,
    expectedReplicas: 3,
    expectedUtilization: 24,
  },
  {
    name: "TestReplicaCalcMissingMetricsNoChangeEq",
    currentReplicas: 2,
    requests: [1000, 1000],
    levels: [1000],
    target: 100,
    expectedReplicas: 2,
    expectedUtilization: 100,
  },
  {
    name: "TestReplicaCalcMissingMetricsNoChangeGt",
    currentReplicas: 2,
    requests: [1000, 1000],
    levels: [1900],
    target: 100,
    expectedReplicas: 2,
    expectedUtilization: 190,
  },
  {
    name: "TestReplicaCalcMissingMetricsNoChangeLt",
    currentReplicas: 2,
    requests: [1000, 1000],
    levels: [600],
    target: 100,
    expectedReplicas: 2,
    expectedUtilization: 60,
  },
  {
    name: "TestReplicaCalcMissingMetricsUnreadyNoChange",
    currentReplicas: 3,
    requests: [1000, 1000, 1000],
    levels: [100, 450],
    readiness: [false, true, true],
    target: 50,
    expectedReplicas: 3,
    expectedUtilization: 45,
  },
  {
    name: "TestReplicaCalcMissingMetricsUnreadyScaleUp",
    currentReplicas: 3,
    requests: [1000, 1000, 1000],
    levels: [100, 2000],
    readiness: [false, true, true],
    target: 50,
    expectedReplicas: 4,
    expectedUtilization: 200,
  },
  {
    name: "TestReplicaCalcMissingMetricsUnreadyScaleDown",
    currentReplicas: 4,
    requests: [1000, 1000, 1000, 1000],
    levels: [100, 100, 100],
    readiness: [false, true, true, true],
    target: 50,
    expectedReplicas: 3,
    expectedUtilization: 10,
  },
  // The documentation's own example (HPA "Algorithm details"): 200m used against a 100m target
  // doubles the count, 50m halves it.
  {
    name: "docs: 200m against a 100m target doubles",
    currentReplicas: 2,
    requests: [100, 100],
    levels: [200, 200],
    target: 100,
    expectedReplicas: 4,
    expectedUtilization: 200,
  },
  {
    name: "docs: 50m against a 100m target halves",
    currentReplicas: 4,
    requests: [100, 100, 100, 100],
    levels: [50, 50, 50, 50],
    target: 100,
    expectedReplicas: 2,
    expectedUtilization: 50,
  },
  // The v1.33 tolerance post: 50 replicas at 90% against 75% → 60 (20% off target, beyond 10%).
  {
    name: "docs: 50 replicas at 90% of a 75% target",
    currentReplicas: 50,
    requests: Array(50).fill(1000),
    levels: Array(50).fill(900),
    target: 75,
    expectedReplicas: 60,
    expectedUtilization: 90,
  },
];

const now = 3_600_000;

function run(testCase: Case) {
  const pods: PodState[] = testCase.requests
    .slice(0, testCase.currentReplicas)
    .map((request, i) => ({
      name: `test-pod-${i}`,
      phase: "Running",
      deleting: false,
      startTime: 0,
      ready: { status: testCase.readiness?.[i] ?? true, lastTransitionTime: 0 },
      cpuRequestMillicores: request,
    }));
  const metrics = new Map<string, PodMetric>(
    testCase.levels.map((level, i) => [
      `test-pod-${i}`,
      { millicores: level, timestamp: now, windowMs: 60_000 },
    ]),
  );
  return resourceReplicas({
    currentReplicas: testCase.currentReplicas,
    targetUtilization: testCase.target,
    pods,
    metrics,
    tolerance: 0.1,
    timing: { cpuInitializationPeriodMs: 120_000, initialReadinessDelayMs: 10_000 },
    now,
  });
}

describe("replica calculation (replica_calculator_test.go)", () => {
  it.each(cases)("$name → $expectedReplicas", (testCase) => {
    expect(run(testCase)).toEqual({
      replicas: testCase.expectedReplicas,
      utilization: testCase.expectedUtilization,
    });
  });

  it("refuses pods without a CPU request, as the controller does", () => {
    expect(() =>
      resourceReplicas({
        currentReplicas: 1,
        targetUtilization: 100,
        pods: [
          {
            name: "p",
            phase: "Running",
            deleting: false,
            startTime: 0,
            ready: { status: true, lastTransitionTime: 0 },
          },
        ],
        metrics: new Map([["p", { millicores: 200, timestamp: now, windowMs: 60_000 }]]),
        tolerance: 0.1,
        timing: { cpuInitializationPeriodMs: 120_000, initialReadinessDelayMs: 10_000 },
        now,
      }),
    ).toThrow(/missing request for cpu/);
  });

  it("does not trust a sample taken before a young pod was ready for one metric window", () => {
    // Started 30 s ago (inside the 2 min initialisation period), Ready 10 s ago, 60 s window:
    // the sample still covers start-up, so on scale-up the pod counts as 0%.
    const young: PodState = {
      name: "young",
      phase: "Running",
      deleting: false,
      startTime: now - 30_000,
      ready: { status: true, lastTransitionTime: now - 10_000 },
      cpuRequestMillicores: 1000,
    };
    const old: PodState = {
      ...young,
      name: "old",
      startTime: 0,
      ready: { status: true, lastTransitionTime: 0 },
    };
    const result = resourceReplicas({
      currentReplicas: 2,
      targetUtilization: 50,
      pods: [old, young],
      metrics: new Map([
        ["old", { millicores: 1000, timestamp: now, windowMs: 60_000 }],
        ["young", { millicores: 1000, timestamp: now, windowMs: 60_000 }],
      ]),
      tolerance: 0.1,
      timing: { cpuInitializationPeriodMs: 120_000, initialReadinessDelayMs: 10_000 },
      now,
    });
    // Trusting both would give ceil(2 × 100/50) = 4; with the young one at 0%: ceil(2 × 50/50)…
    // ratio 1.0 is inside the tolerance, so the count stays at 2.
    expect(result).toEqual({ replicas: 2, utilization: 100 });
  });
});
