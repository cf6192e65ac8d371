import { describe, expect, it } from "vitest";
import { parseManifests, validateManifests } from "./k8s-validate.js";

// Built fresh per test so that each failing case can break its own copy.
function deployment(): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "shopmesh-order", labels: { "app.kubernetes.io/name": "order" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { "app.kubernetes.io/name": "order" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "order" } },
        spec: {
          serviceAccountName: "shopmesh-order",
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: "order",
              image: "shopmesh/order:0.1.0",
              imagePullPolicy: "IfNotPresent",
              ports: [{ name: "grpc", containerPort: 50051, protocol: "TCP" }],
              env: [{ name: "GRPC_PORT", value: "50051" }],
              resources: {
                requests: { cpu: "100m", memory: "128Mi" },
                limits: { memory: "256Mi" },
              },
              readinessProbe: { grpc: { port: 50051, service: "" }, periodSeconds: 5 },
              livenessProbe: { grpc: { port: 50051 }, failureThreshold: 3 },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  };
}

function service(): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "shopmesh-order-headless" },
    spec: {
      clusterIP: "None",
      selector: { "app.kubernetes.io/name": "order" },
      ports: [{ name: "grpc", port: 50051, targetPort: "grpc", protocol: "TCP" }],
    },
  };
}

function hpa(): Record<string, unknown> {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "shopmesh-order" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "shopmesh-order" },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  };
}

function pdb(): Record<string, unknown> {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "shopmesh-order" },
    spec: {
      minAvailable: 1,
      selector: { matchLabels: { "app.kubernetes.io/name": "order" } },
    },
  };
}

/** The first container of a Deployment built by `deployment()`. */
function firstContainer(object: Record<string, unknown>): Record<string, unknown> {
  const spec = object.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
  const container = spec.template.spec.containers[0];
  if (container === undefined) throw new Error("the sample Deployment has a container");
  return container;
}

describe("validateManifests", () => {
  it("accepts a Deployment with a native gRPC probe, a Service, an autoscaling/v2 HPA and a policy/v1 PDB", () => {
    expect(validateManifests([deployment(), service(), hpa(), pdb()])).toEqual([]);
  });

  it("accepts the other kinds a chart may render", () => {
    const podSpec = {
      containers: [{ name: "migrate", image: "shopmesh/order:0.1.0", args: ["migrate"] }],
      restartPolicy: "Never",
    };
    const objects = [
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "shopmesh-order" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { A: "1" } },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s" },
        type: "Opaque",
        stringData: { DATABASE_URL: "postgres://u:p@db/orders" },
      },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "n" },
        spec: {
          podSelector: { matchLabels: { app: "order" } },
          policyTypes: ["Ingress"],
          ingress: [{ ports: [{ port: 50051, protocol: "TCP" }] }],
        },
      },
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "db" },
        spec: {
          serviceName: "db",
          selector: { matchLabels: { app: "db" } },
          template: { metadata: { labels: { app: "db" } }, spec: podSpec },
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
            },
          ],
        },
      },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: podSpec },
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "j", annotations: { "helm.sh/hook": "pre-install" } },
        spec: { backoffLimit: 2, template: { spec: podSpec } },
      },
    ];
    expect(validateManifests(objects)).toEqual([]);
  });

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

describe("parseManifests", () => {
  it("reads helm template output, dropping empty documents, the YAML 1.1 way Kubernetes does", () => {
    const text = [
      "---",
      "# Source: shopmesh/templates/serviceaccount.yaml",
      "apiVersion: v1",
      "kind: ServiceAccount",
      "metadata:",
      "  name: shopmesh-order",
      "---",
      "# Source: shopmesh/templates/empty.yaml",
      "---",
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: shopmesh-config",
      "data:",
      "  mode: 0644",
      "  enabled: on",
      "  at: 12:30",
      "  since: 2024-01-02",
      "",
    ].join("\n");
    const objects = parseManifests(text);
    expect(objects.map((object) => object.kind)).toEqual(["ServiceAccount", "ConfigMap"]);
    // go-yaml v2 reads 0644 as octal and `on` as true, keeps `12:30` and dates as strings.
    expect(objects[1]?.data).toEqual({
      mode: 420,
      enabled: true,
      at: "12:30",
      since: "2024-01-02",
    });
    expect(validateManifests(objects)).toEqual([
      "ConfigMap shopmesh-config: data.mode must be string (is 420)",
      "ConfigMap shopmesh-config: data.enabled must be string (is true)",
    ]);
  });

  it("throws on a YAML syntax error", () => {
    expect(() => parseManifests("kind: [unclosed\n")).toThrow(/YAML document 1/);
  });
});
