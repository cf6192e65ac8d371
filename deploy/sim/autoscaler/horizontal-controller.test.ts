import { describe, expect, it } from "vitest";
import { HorizontalController } from "./horizontal-controller.js";
import type { PodMetric, PodState } from "./pod-state.js";
import { withDefaults } from "./spec.js";
import { timeScale } from "./time-scale.js";

// The chart's own HPA settings (values.yaml: min 2, max 6, 70% CPU; scale up by 100% per 30 s
// at once, scale down by 1 pod per 60 s after a 300 s window) driven through a load step, one
// sync every 15 s as kube-controller-manager does. Run at real time and compressed 10×: the
// same counts must come out at the same simulated instants.
const spec = {
  minReplicas: 2,
  maxReplicas: 6,
  targetCpuUtilization: 70,
  behavior: withDefaults({
    scaleUp: {
      stabilizationWindowSeconds: 0,
      policies: [{ type: "Percent", value: 100, periodSeconds: 30 }],
    },
    scaleDown: {
      stabilizationWindowSeconds: 300,
      policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
    },
  }),
};

/** Total CPU the load needs (millicores), spread evenly over the replicas; 100m requests. */
function demand(simulatedSeconds: number): number {
  return simulatedSeconds < 120 ? 560 : 20;
}

function runScenario(factor: number) {
  const time = timeScale(factor);
  const controller = new HorizontalController(spec, time);
  let replicas = 2;
  const changes: { at: number; replicas: number; reason: string }[] = [];
  for (let t = 0; t <= 900; t += 15) {
    const now = time.toMs(t);
    const pods: PodState[] = Array.from({ length: replicas }, (_, i) => ({
      name: `pod-${i}`,
      phase: "Running",
      deleting: false,
      startTime: -time.toMs(3600),
      ready: { status: true, lastTransitionTime: -time.toMs(3600) },
      cpuRequestMillicores: 100,
    }));
    const metrics = new Map<string, PodMetric>(
      pods.map((pod) => [
        pod.name,
        { millicores: demand(t) / replicas, timestamp: now, windowMs: time.toMs(15) },
      ]),
    );
    const decision = controller.reconcile({ currentReplicas: replicas, pods, metrics, now });
    if (decision.desiredReplicas !== replicas) {
      changes.push({ at: t, replicas: decision.desiredReplicas, reason: decision.reason });
      replicas = decision.desiredReplicas;
    }
  }
  return changes;
}

describe("HorizontalController with the chart's behavior", () => {
  const expected = [
    // 280% of request on 2 pods asks for 8; Percent 100 per 30 s allows 4.
    { at: 0, replicas: 4, reason: "ScaleUpLimit" },
    // The 30 s period has passed: 4 + 100% = 8, clamped to maxReplicas.
    { at: 30, replicas: 6, reason: "TooManyReplicas" },
    // Load fell at 120 s; the last high recommendation (105 s) leaves the 300 s window at 405 s,
    // then one pod per 60 s, down to minReplicas.
    { at: 405, replicas: 5, reason: "ScaleDownLimit" },
    { at: 465, replicas: 4, reason: "ScaleDownLimit" },
    { at: 525, replicas: 3, reason: "ScaleDownLimit" },
    // 3 → 2: the policy and minReplicas agree; the controller names the min clamp.
    { at: 585, replicas: 2, reason: "TooFewReplicas" },
  ];

  it("scales out within the policy and in only after the window, one pod per period (real time)", () => {
    expect(runScenario(1)).toEqual(expected);
  });

  it("gives the same counts at the same simulated instants compressed 10×", () => {
    expect(runScenario(10)).toEqual(expected);
  });

  it("does not scale down right after a controller restart (initial recommendation)", () => {
    const controller = new HorizontalController(spec, timeScale(1));
    const pods: PodState[] = [0, 1, 2, 3].map((i) => ({
      name: `p${i}`,
      phase: "Running",
      deleting: false,
      startTime: -3_600_000,
      ready: { status: true, lastTransitionTime: -3_600_000 },
      cpuRequestMillicores: 100,
    }));
    const idle = new Map<string, PodMetric>(
      pods.map((p) => [p.name, { millicores: 5, timestamp: 0, windowMs: 15_000 }]),
    );
    expect(controller.reconcile({ currentReplicas: 4, pods, metrics: idle, now: 0 })).toMatchObject(
      {
        metricReplicas: 1,
        desiredReplicas: 4,
        reason: "ScaleDownStabilized",
      },
    );
  });

  it("leaves the count alone when no pod has a sample", () => {
    const controller = new HorizontalController(spec, timeScale(1));
    const pod: PodState = {
      name: "p",
      phase: "Running",
      deleting: false,
      startTime: 0,
      ready: { status: true, lastTransitionTime: 0 },
      cpuRequestMillicores: 100,
    };
    const decision = controller.reconcile({
      currentReplicas: 3,
      pods: [pod, { ...pod, name: "q" }, { ...pod, name: "r" }],
      metrics: new Map(),
      now: 1,
    });
    expect(decision.desiredReplicas).toBe(3);
    expect(decision.reason).toMatch(
      /FailedGetResourceMetric: did not receive metrics for any ready pods/,
    );
  });

  it("brings a count outside [min, max] back inside at once", () => {
    const controller = new HorizontalController(spec, timeScale(1));
    expect(
      controller.reconcile({ currentReplicas: 9, pods: [], metrics: new Map(), now: 0 })
        .desiredReplicas,
    ).toBe(6);
    expect(
      controller.reconcile({ currentReplicas: 1, pods: [], metrics: new Map(), now: 0 })
        .desiredReplicas,
    ).toBe(2);
  });
});
