// How the chart starts each service: the same command as `make run` and the benchmarks (the
// service's bundle, telemetry first, source maps on), with the V8 flags the chart chose by
// measurement as NODE_OPTIONS, and a memory request that covers the peak measured with them.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { serviceCommand } from "../../deploy/local/service-process.js";
import { find, render } from "./helm.js";
import type { K8sObject } from "./manifests.js";

const services = ["user", "product", "order"] as const;
const container = (objects: K8sObject[], name: string) =>
  find(objects, "Deployment", `shopmesh-${name}`).spec.template.spec.containers[0];
const configMap = (objects: K8sObject[], name: string) =>
  find(objects, "ConfigMap", `shopmesh-${name}`).data ?? {};

describe("the services' pods", () => {
  it("start the bundle as make run does", async () => {
    const objects = await render({ values: ["everything-on.yaml"] });
    for (const name of [...services, "edge"]) {
      expect(container(objects, name).command, name).toEqual(["node", ...serviceCommand(name)]);
    }
  });

  it("get the chart's V8 flags as NODE_OPTIONS, which env.NODE_OPTIONS replaces", async () => {
    const defaults = await render();
    for (const name of services) {
      expect(configMap(defaults, name).NODE_OPTIONS, name).toMatch(
        /--max-semi-space-size=\d+ --max-old-space-size=\d+/,
      );
    }
    const mine = await render({
      sets: [
        "services.order.env.NODE_OPTIONS=--max-old-space-size=300",
        "services.user.nodeOptions=",
      ],
    });
    expect(configMap(mine, "order").NODE_OPTIONS).toBe("--max-old-space-size=300");
    expect(configMap(mine, "user")).not.toHaveProperty("NODE_OPTIONS");
  });

  it("request the memory measured at peak with those flags (bench/memory.json), and more as limit", async () => {
    const memory = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, "../../bench/memory.json"), "utf8"),
    ) as {
      variants: {
        chart: {
          nodeOptions: Record<string, string>;
          rounds: { peakRssMiB: Record<string, number> }[];
        };
      };
    };
    const objects = await render();
    for (const name of services) {
      // Measured with the flags the chart gives today, or the measurement says nothing.
      expect(memory.variants.chart.nodeOptions[name], name).toBe(
        configMap(objects, name).NODE_OPTIONS,
      );
      const peak = Math.max(...memory.variants.chart.rounds.map((r) => r.peakRssMiB[name] ?? 0));
      expect(peak, `no measurement of ${name}`).toBeGreaterThan(50);
      const { requests, limits } = container(objects, name).resources;
      expect(Number.parseInt(requests.memory, 10), name).toBeGreaterThanOrEqual(peak);
      expect(Number.parseInt(limits.memory, 10), name).toBeGreaterThan(peak);
    }
  });

  it("the edge: its V8 flags as NODE_OPTIONS, and the memory measured at peak with them (bench/edge-memory.json)", async () => {
    const edgeOn =
      "edge.enabled=true,edge.jwt.jwksUrl=https://idp.example.com/jwks,edge.jwt.issuer=i,edge.jwt.audience=a,networkPolicy.enabled=false";
    const objects = await render({ sets: [edgeOn] });
    const flags = configMap(objects, "edge").NODE_OPTIONS;
    expect(flags).toMatch(/--max-semi-space-size=\d+ --max-old-space-size=\d+/);
    const mine = await render({ sets: [edgeOn, "edge.env.NODE_OPTIONS=--max-old-space-size=300"] });
    expect(configMap(mine, "edge").NODE_OPTIONS).toBe("--max-old-space-size=300");
    const none = await render({ sets: [edgeOn, "edge.nodeOptions="] });
    expect(configMap(none, "edge")).not.toHaveProperty("NODE_OPTIONS");
    const memory = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, "../../bench/edge-memory.json"), "utf8"),
    ) as { nodeOptions: string; peakRssMiB: number };
    // Measured with the flags the chart gives today, or the measurement says nothing.
    expect(memory.nodeOptions).toBe(flags);
    expect(memory.peakRssMiB).toBeGreaterThan(50);
    const { requests, limits } = container(objects, "edge").resources;
    expect(Number.parseInt(requests.memory, 10)).toBeGreaterThanOrEqual(memory.peakRssMiB);
    expect(Number.parseInt(limits.memory, 10)).toBeGreaterThan(memory.peakRssMiB);
  });
});
