import { describe, expect, it } from "vitest";
import { deployment, firstContainer, hpa, pdb, service } from "./k8s-sample-objects.js";
import { validateManifests } from "./k8s-validate.js";

describe("validateManifests reports", () => {
  it("reports a misspelt field with its path", () => {
    const object = deployment();
    const container = firstContainer(object);
    container.livenessProbe = { grpcc: { port: 50051 } };
    container.imagePullPolicyy = "Always";
    expect(validateManifests([object])).toEqual([
      "Deployment shopmesh-order: unknown field spec.template.spec.containers[0].livenessProbe.grpcc",
      "Deployment shopmesh-order: unknown field spec.template.spec.containers[0].imagePullPolicyy",
    ]);
  });

  it("reports a string where the schema wants an integer", () => {
    const object = service();
    (object.spec as { ports: Record<string, unknown>[] }).ports = [{ name: "grpc", port: "abc" }];
    expect(validateManifests([object])).toEqual([
      'Service shopmesh-order-headless: spec.ports[0].port must be integer (is "abc")',
    ]);
  });

  it("reports an int-or-string field of another type once", () => {
    const object = service();
    (object.spec as { ports: Record<string, unknown>[] }).ports = [
      { port: 50051, targetPort: true },
    ];
    expect(validateManifests([object])).toEqual([
      "Service shopmesh-order-headless: spec.ports[0].targetPort must be string or integer (is true)",
    ]);
  });

  it("reports a wrong shape once, by the schema, although the round trip cannot read it", () => {
    const object = deployment();
    const spec = object.spec as { template: { spec: Record<string, unknown> } };
    spec.template.spec.containers = { name: "order" };
    expect(validateManifests([object])).toEqual([
      "Deployment shopmesh-order: spec.template.spec.containers must be array (is an object)",
    ]);
  });

  it("reports a missing required field", () => {
    const object = deployment();
    delete (object.spec as Record<string, unknown>).selector;
    expect(validateManifests([object])).toEqual([
      "Deployment shopmesh-order: missing required field spec.selector",
    ]);
  });

  it("reports an HPA metric of a type Kubernetes does not have", () => {
    const object = hpa();
    const [metric] = (object.spec as { metrics: Record<string, unknown>[] }).metrics;
    if (metric === undefined) throw new Error("the sample HPA has a metric");
    metric.type = "Cpu";
    expect(validateManifests([object])).toEqual([
      'HorizontalPodAutoscaler shopmesh-order: spec.metrics[0].type must be one of ContainerResource, External, Object, Pods, Resource (is "Cpu")',
    ]);
  });

  it("reports an object without metadata.name, naming its kind and position", () => {
    const object = pdb();
    object.metadata = { labels: { app: "order" } };
    expect(validateManifests([service(), object])).toEqual([
      "PodDisruptionBudget <no name> (object #2): missing required field metadata.name",
    ]);
  });
});
