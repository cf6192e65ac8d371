import { describe, expect, it } from "vitest";
import { deployment, hpa, pdb, service } from "./k8s-sample-objects.js";
import { validateManifests } from "./k8s-validate.js";

describe("validateManifests accepts", () => {
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
});
