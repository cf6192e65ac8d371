// Issue #18 item 6 and #13 item 1: what operators expect of a chart. One ServiceAccount per
// service, scheduling and metadata knobs, secrets as files, dual-stack listening, patient
// readiness (memory requests against the measured peak: service-start.test.ts).
import { describe, expect, it } from "vitest";
import { find, render } from "./helm.js";
import { type Container, type K8sObject, workloadsOf } from "./manifests.js";

const services = ["user", "product", "order"] as const;
const podSpec = (objects: K8sObject[], service: string) =>
  find(objects, "Deployment", `shopmesh-${service}`).spec.template.spec;

describe("identities", () => {
  it("gives every service its own ServiceAccount, with no token mounted", async () => {
    const objects = await render();
    const names = services.map((s) => podSpec(objects, s).serviceAccountName);
    expect(names).toEqual(["shopmesh-user", "shopmesh-product", "shopmesh-order"]);
    for (const name of names) {
      expect(find(objects, "ServiceAccount", name)).toMatchObject({
        automountServiceAccountToken: false,
      });
    }
    for (const service of services) {
      expect(podSpec(objects, service).automountServiceAccountToken).toBe(false);
    }
  });

  it("takes a name and annotations (workload identity), or an account made elsewhere", async () => {
    const objects = await render({
      values: ["everything-on.yaml"],
      sets: [
        "services.user.serviceAccount.create=false,services.user.serviceAccount.name=ops-made",
      ],
    });
    expect(podSpec(objects, "product").serviceAccountName).toBe("product-identity");
    expect(find(objects, "ServiceAccount", "product-identity").metadata?.annotations).toEqual({
      "iam.gke.io/gcp-service-account": "product@shop.iam.gserviceaccount.com",
    });
    expect(podSpec(objects, "user").serviceAccountName).toBe("ops-made");
    expect(
      objects.some((o) => o.kind === "ServiceAccount" && o.metadata?.name === "ops-made"),
    ).toBe(false);
  });
});

describe("what operators set per service", () => {
  it("reaches the pods, the Service and the environment", async () => {
    const objects = await render({ values: ["everything-on.yaml"] });
    const deployment = find(objects, "Deployment", "shopmesh-product").spec.template;
    expect(deployment.metadata.annotations["example.com/team"]).toBe("catalogue");
    expect(deployment.metadata.labels["example.com/cost-centre"]).toBe("shop");
    const pod = deployment.spec;
    expect(pod.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
    expect(pod.affinity.nodeAffinity).toBeDefined();
    expect(pod.tolerations).toEqual([
      { key: "dedicated", operator: "Equal", value: "shop", effect: "NoSchedule" },
    ]);
    expect(pod.priorityClassName).toBe("shop-critical");
    expect(pod.volumes.map((v: { name: string }) => v.name)).toContain("extra-ca");
    const container = pod.containers[0];
    expect(container.volumeMounts).toContainEqual({
      name: "extra-ca",
      mountPath: "/etc/shopmesh/extra-ca",
      readOnly: true,
    });
    expect(container.env).toContainEqual({
      name: "NODE_NAME",
      valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } },
    });
    const configMap = find(objects, "ConfigMap", "shopmesh-product").data ?? {};
    expect(configMap.DATABASE_POOL_MAX).toBe("20");
    expect(configMap.NODE_NAME).toBeUndefined();
    const service = find(objects, "Service", "shopmesh-product");
    expect(service.spec.type).toBe("LoadBalancer");
    expect(service.metadata?.annotations).toEqual({
      "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    });
    expect(find(objects, "Service", "shopmesh-product-headless").spec.clusterIP).toBe("None");
    expect(find(objects, "ServiceMonitor", "shopmesh").metadata?.labels?.release).toBe(
      "kube-prometheus-stack",
    );
  });

  it("puts imagePullSecrets on every pod and a namespace on every object", async () => {
    const objects = await render({ values: ["everything-on.yaml"] });
    const workloads = workloadsOf(objects);
    expect(workloads.map((w) => w.name).sort()).toEqual(
      [
        ...services.map((s) => `shopmesh-${s}`),
        "shopmesh-edge",
        "shopmesh-jaeger",
        "shopmesh-load-generator",
        "shopmesh-nats",
        "shopmesh-postgresql",
        "shopmesh-smoke-test",
        "shopmesh-trust-issuer",
      ].sort(),
    );
    for (const w of workloads) {
      expect(w.pod.imagePullSecrets, w.name).toEqual([{ name: "registry-credentials" }]);
    }
    expect(objects.filter((o) => o.metadata?.namespace !== "shop").map((o) => o.kind)).toEqual([]);
  });
});

describe("every service's pods", () => {
  it("read the database URL from a file of their own Secret key, never from the environment", async () => {
    const objects = await render();
    for (const service of services) {
      const pod = podSpec(objects, service);
      const container = pod.containers[0];
      const env = container.env as Container[];
      expect(env.filter((e) => e.valueFrom?.secretKeyRef)).toEqual([]);
      expect(env).toContainEqual({
        name: "DATABASE_URL_FILE",
        value: "/etc/shopmesh/database/url",
      });
      expect(pod.volumes).toContainEqual({
        name: "database",
        secret: {
          secretName: "shopmesh-database",
          defaultMode: 0o440,
          items: [{ key: `${service.toUpperCase()}_DATABASE_URL`, path: "url" }],
        },
      });
    }
  });

  it("listen on :: (dual stack, IPv6-only clusters), for gRPC and /metrics", async () => {
    const objects = await render();
    for (const service of services) {
      const data = find(objects, "ConfigMap", `shopmesh-${service}`).data ?? {};
      expect([data.GRPC_HOST, data.OTEL_EXPORTER_PROMETHEUS_HOST]).toEqual(["::", "::"]);
    }
  });

  it("give every probe more than a second to answer", async () => {
    const objects = await render({ values: ["everything-on.yaml"] });
    for (const w of workloadsOf(objects)) {
      for (const container of w.containers) {
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
          if (!container[probe]) continue;
          expect(container[probe].timeoutSeconds, `${w.name} ${probe}`).toBeGreaterThan(1);
        }
      }
    }
  });
});
