import { describe, expect, it } from "vitest";
import { validateManifests } from "./k8s-validate.js";

describe("validateManifests on custom resources", () => {
  it("checks cert-manager and Gateway API resources against their own schemas", () => {
    const certificate = {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: "shopmesh-order" },
      spec: { issuerRef: { name: "ca" }, uris: ["spiffe://shop.internal/ns/shop/sa/order"] },
    };
    const route = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "shopmesh-edge" },
      spec: { rules: [{ backendRefs: [{ name: "shopmesh-edge", port: "http" }] }] },
    };
    expect(validateManifests([certificate, route])).toEqual([
      "Certificate shopmesh-order: missing required field spec.secretName",
      'HTTPRoute shopmesh-edge: spec.rules[0].backendRefs[0].port must be integer (is "http")',
    ]);
  });

  it("checks other custom resources for apiVersion, kind and metadata.name only", () => {
    const serviceMonitor = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "shopmesh-order" },
      spec: { anything: { goes: true }, endpoints: [{ port: "metrics" }] },
    };
    // A custom resource may reuse a built-in kind name; it must not be read as the built-in one.
    const knativeService = {
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "hello" },
      spec: { template: { spec: { containers: [{ image: "hello" }] } } },
    };
    const nameless = { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: {} };
    expect(validateManifests([serviceMonitor, knativeService, nameless, { kind: "X" }])).toEqual([
      "PodMonitor <no name> (object #3): missing required field metadata.name",
      "X <no name> (object #4): missing required field apiVersion",
      "X <no name> (object #4): missing required field metadata.name",
    ]);
  });
});
