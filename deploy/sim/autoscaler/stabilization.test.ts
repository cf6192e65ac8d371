import { describe, expect, it } from "vitest";
import { stabilize } from "./stabilization.js";

// Cases copied from kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go,
// TestNormalizeDesiredReplicasWithBehavior (stabilizeRecommendationWithBehaviors), in order.
const now = 10_000_000;
const minute = 60_000;

/** name, history [replicas, minutes from now], current, desired, up window s, down window s, expected, kept */
type StabilizeCase = [string, [number, number][], number, number, number, number, number, number[]];

// biome-ignore format: a table reads best one case per line
const cases: StabilizeCase[] = [
  ["empty recommendations for scaling down", [], 100, 5, 0, 0, 5, [5]],
  ["simple scale down stabilization", [[4, -2], [5, -1]], 100, 3, 0, 180, 5, [4, 5, 3]],
  ["simple scale up stabilization", [[4, -2], [5, -1]], 1, 7, 300, 0, 4, [4, 5, 7]],
  ["no scale down stabilization", [[1, -2], [2, -1]], 100, 3, 300, 0, 3, [1, 2, 3]],
  ["no scale up stabilization", [[4, -2], [5, -1]], 1, 3, 0, 300, 3, [4, 5, 3]],
  ["scale down stabilization, reuse one of obsolete recommendation element", [[10, -10], [4, -1], [5, -2], [9, -9]], 100, 3, 0, 180, 5, [4, 5, 3]],
  ["scale up stabilization, reuse one of obsolete recommendation element", [[10, -100], [6, -1], [5, -2], [9, -3]], 1, 100, 300, 300, 5, [6, 5, 9, 100]],
];

describe("stabilisation windows (TestNormalizeDesiredReplicasWithBehavior)", () => {
  it.each(cases)("%s", (_name, history, current, desired, up, down, expected, kept) => {
    const result = stabilize({
      history: history.map(([replicas, minutes]) => ({ replicas, at: now + minutes * minute })),
      currentReplicas: current,
      desiredReplicas: desired,
      scaleUpWindowMs: up * 1000,
      scaleDownWindowMs: down * 1000,
      now,
    });
    expect(result.replicas).toBe(expected);
    // The controller reuses obsolete slots in place; we drop them. Same records are kept.
    expect(result.history.map((record) => record.replicas).sort()).toEqual([...kept].sort());
  });
});
