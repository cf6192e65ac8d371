import { describe, expect, it } from "vitest";
import { renderChart } from "../chart-config.js";
import { parseCpu, readAutoscalers } from "./chart-autoscalers.js";

// Rendered with the real helm binary, as the simulation reads the chart.
describe("HPA settings from the rendered chart", () => {
  it("reads every service's HPA and CPU request as values.yaml sets them", async () => {
    const autoscalers = readAutoscalers(await renderChart());
    const behavior = {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 100, periodSeconds: 30 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: "Max",
        policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
      },
    };
    expect(autoscalers).toEqual({
      user: {
        spec: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70, behavior },
        cpuRequestMillicores: 100,
      },
      product: {
        spec: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70, behavior },
        cpuRequestMillicores: 100,
      },
      order: {
        spec: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 70, behavior },
        cpuRequestMillicores: 150,
      },
    });
  });

  it("follows overrides, and leaves out a service whose HPA is disabled", async () => {
    const autoscalers = readAutoscalers(
      await renderChart([
        "services.order.autoscaling.maxReplicas=8",
        "services.order.resources.requests.cpu=0.25",
        "autoscalingBehavior.scaleDown.stabilizationWindowSeconds=120",
        "autoscalingBehavior.scaleDown.selectPolicy=Disabled",
        "services.user.autoscaling.enabled=false",
      ]),
    );
    expect(autoscalers.user).toBeUndefined();
    expect(autoscalers.order?.spec.maxReplicas).toBe(8);
    expect(autoscalers.order?.cpuRequestMillicores).toBe(250);
    expect(autoscalers.product?.spec.behavior.scaleDown).toMatchObject({
      stabilizationWindowSeconds: 120,
      selectPolicy: "Disabled",
    });
  });

  it("refuses an HPA with a metric it does not simulate (request rate)", async () => {
    const rendered = await renderChart(["requestRateAutoscaling.enabled=true"]);
    expect(() => readAutoscalers(rendered)).toThrow(/cpu metric only, not Pods/);
  });

  it("parses CPU quantities and refuses what is not one", () => {
    expect(parseCpu("100m", "d")).toBe(100);
    expect(parseCpu("1", "d")).toBe(1000);
    expect(parseCpu(0.5, "d")).toBe(500);
    expect(() => parseCpu(undefined, "shopmesh-order")).toThrow(
      /shopmesh-order: CPU request "" is missing/,
    );
    expect(() => parseCpu("1Gi", "d")).toThrow(/not a CPU quantity/);
  });
});
