// Issue #20 item 4: scaling on request rate, an HPA Pods metric for clusters with a metrics
// adapter; off by default, checked offline like the rest of the chart.
import { describe, expect, it } from "vitest";
import { validateManifests } from "../support/k8s-validate.js";
import { find, render, runHelm, templateArgs } from "./helm.js";

const services = ["user", "product", "order"] as const;
const metricsOf = async (sets: string[]) => {
  const objects = await render({ sets });
  return {
    objects,
    metrics: (service: string) =>
      find(objects, "HorizontalPodAutoscaler", `shopmesh-${service}`).spec.metrics as unknown[],
  };
};

describe("request-rate autoscaling (requestRateAutoscaling)", () => {
  it("is off by default: every HPA scales on CPU alone", async () => {
    const { metrics } = await metricsOf([]);
    for (const service of services) {
      expect(metrics(service)).toEqual([
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
      ]);
    }
  });

  it("adds a Pods metric with each service's calls per second per pod, beside CPU", async () => {
    const { objects, metrics } = await metricsOf([
      "requestRateAutoscaling.enabled=true",
      "requestRateAutoscaling.averagePerPod.order=90",
    ]);
    const targets = { user: "400", product: "400", order: "90" };
    for (const service of services) {
      expect(metrics(service)).toHaveLength(2);
      expect(metrics(service)[1]).toEqual({
        type: "Pods",
        pods: {
          metric: { name: "shopmesh_rpc_requests_per_second" },
          target: { type: "AverageValue", averageValue: targets[service] },
        },
      });
    }
    expect(validateManifests(objects)).toEqual([]);
  });

  it("refuses a target that is not above zero, naming the value", async () => {
    const { ok, output } = await runHelm(
      templateArgs({
        sets: [
          "requestRateAutoscaling.enabled=true",
          "requestRateAutoscaling.averagePerPod.user=0",
        ],
      }),
    );
    expect(ok).toBe(false);
    expect(output).toMatch(/requestRateAutoscaling.*averagePerPod.*user/s);
  });
});
