// Issue #13 in the chart: mTLS on by default, a SPIFFE identity per ServiceAccount, certificates
// three ways (cert-manager, your own Secret, the chart's Job), the default policies of
// services/authz-policies.ts as ConfigMaps, probes on the plaintext health port.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultPolicies } from "../../services/authz-policies.js";
import { parseAuthzPolicy } from "../../services/kit/trust/index.js";
import { find, render, runHelm, templateArgs } from "./helm.js";
import type { Container, K8sObject } from "./manifests.js";

const services = ["user", "product", "order"] as const;
const spiffe = (account: string, domain = "cluster.local") =>
  `spiffe://${domain}/ns/shop/sa/${account}`;
const podOf = (objects: K8sObject[], name: string) =>
  find(objects, "Deployment", `shopmesh-${name}`).spec.template.spec;
const planOf = (objects: K8sObject[]) =>
  JSON.parse(
    find(objects, "Job", "shopmesh-trust-issuer").spec.template.spec.containers[0].env.find(
      (e: Container) => e.name === "TRUST_ISSUE_PLAN",
    ).value,
  ) as { caSecret: string; leaves: { secret: string; spiffeId: string; dnsNames: string[] }[] };

describe("the chart's trust, by default", () => {
  it("runs every service with mTLS, its own identity, its certificate and policy as files", async () => {
    const objects = await render();
    for (const name of services) {
      const env = find(objects, "ConfigMap", `shopmesh-${name}`).data ?? {};
      expect(env).toMatchObject({
        INSECURE_PLAINTEXT: "false",
        TRUST_DOMAIN: "cluster.local",
        TLS_CERT_FILE: "/etc/shopmesh/tls/tls.crt",
        TLS_CA_FILE: "/etc/shopmesh/tls/ca.crt",
        AUTHZ_POLICY_FILE: "/etc/shopmesh/authz/policy.json",
        ORDER_SERVICE_IDENTITY: spiffe("shopmesh-order"),
        USER_SERVICE_IDENTITY: spiffe("shopmesh-user"),
        PRODUCT_SERVICE_IDENTITY: spiffe("shopmesh-product"),
      });
      // No edge in this release (edge.enabled is off): nobody may act for end users.
      expect(env.END_USER_PEERS).toBeUndefined();
      const pod = podOf(objects, name);
      expect(pod.serviceAccountName).toBe(`shopmesh-${name}`);
      const container = pod.containers[0];
      expect(container.env).toContainEqual({
        name: "TLS_KEY_FILE",
        valueFrom: {
          configMapKeyRef: { name: `shopmesh-${name}`, key: "TLS_PRIVATE_PEM_FILE" },
        },
      });
      expect(env.TLS_PRIVATE_PEM_FILE).toBe("/etc/shopmesh/tls/tls.key");
      // Folders, never subPath: the kubelet updates a folder in place on renewal (and a policy
      // edit), and the kit reloads the files without a restart.
      const mounts = container.volumeMounts as { name: string; subPath?: string }[];
      expect(mounts.filter((m) => ["tls", "authz"].includes(m.name))).toEqual([
        { name: "tls", mountPath: "/etc/shopmesh/tls", readOnly: true },
        { name: "authz", mountPath: "/etc/shopmesh/authz", readOnly: true },
      ]);
      const volumes = pod.volumes as Container[];
      expect(volumes.find((v) => v.name === "tls").secret.secretName).toBe(`shopmesh-${name}-tls`);
      expect(volumes.find((v) => v.name === "authz").configMap.name).toBe(`shopmesh-${name}-authz`);
    }
  });

  it("probes the plaintext health-only port (the kubelet presents no client certificate)", async () => {
    const objects = await render();
    for (const [name, port] of [
      ["user", 50061],
      ["product", 50062],
      ["order", 50063],
    ] as const) {
      const container = podOf(objects, name).containers[0];
      expect(container.ports).toContainEqual({
        name: "health",
        containerPort: port,
        protocol: "TCP",
      });
      expect(find(objects, "ConfigMap", `shopmesh-${name}`).data?.HEALTH_PORT).toBe(String(port));
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
        expect(container[probe].grpc.port, `${name} ${probe}`).toBe(port);
    }
  });

  it("renders the policies of services/authz-policies.ts, valid A43 the kit accepts", async () => {
    const objects = await render();
    const expected = defaultPolicies({
      trustDomain: "cluster.local",
      order: spiffe("shopmesh-order"),
      operator: spiffe("operator"),
      edge: spiffe("shopmesh-edge"),
    });
    for (const name of services) {
      const text = find(objects, "ConfigMap", `shopmesh-${name}-authz`).data?.["policy.json"];
      expect(JSON.parse(text ?? ""), name).toEqual(expected[name]);
      expect(parseAuthzPolicy(text ?? "").name).toBe(name);
    }
  });

  it("takes a policy of your own as written", async () => {
    const own = {
      name: "order",
      deny_rules: [
        { name: "no-cancel", request: { paths: ["/shopmesh.order.v1.OrderService/CancelOrder"] } },
      ],
      allow_rules: [{ name: "all", request: { paths: ["*"] } }],
    };
    const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-policy-"));
    const values = path.join(dir, "values.yaml");
    // JSON is YAML: the policy as an operator would paste it.
    await writeFile(values, `trust:\n  policies:\n    order: ${JSON.stringify(own)}\n`);
    const objects = await render({ values: [values] }).finally(() =>
      rm(dir, { recursive: true, force: true }),
    );
    const text = find(objects, "ConfigMap", "shopmesh-order-authz").data?.["policy.json"];
    expect(JSON.parse(text ?? "")).toEqual(own);
  });

  it("issues every workload's certificate from a hook Job, the operator's too", async () => {
    const objects = await render();
    const job = find(objects, "Job", "shopmesh-trust-issuer");
    expect(job.metadata?.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
    expect(job.spec.template.spec.containers[0].command).toEqual([
      "node",
      "dist/deploy/chart/issue-certificates.js",
    ]);
    const plan = planOf(objects);
    expect(plan.caSecret).toBe("shopmesh-trust-ca");
    expect(plan.leaves.map((leaf) => [leaf.secret, leaf.spiffeId])).toEqual([
      ["shopmesh-order-tls", spiffe("shopmesh-order")],
      ["shopmesh-product-tls", spiffe("shopmesh-product")],
      ["shopmesh-user-tls", spiffe("shopmesh-user")],
      ["shopmesh-operator-tls", spiffe("operator")],
    ]);
    expect(plan.leaves[0]?.dnsNames).toContain("shopmesh-order-headless.shop.svc.cluster.local");
    // Its RBAC: the named Secrets only, for reading and renewing.
    const role = find(objects, "Role", "shopmesh-trust-issuer");
    expect(role.metadata?.annotations?.["helm.sh/hook-weight"]).toBe("-20");
    expect(
      (role as unknown as { rules: { resourceNames?: string[] }[] }).rules[0]?.resourceNames,
    ).toEqual(["shopmesh-trust-ca", ...plan.leaves.map((leaf) => leaf.secret)]);
  });
});

describe("certificates from cert-manager", () => {
  it("renders a Certificate per workload: SPIFFE URI SAN, DNS names, ECDSA P-256, the named issuer", async () => {
    const objects = await render({ values: ["production.yaml"] });
    expect(objects.some((o) => o.kind === "Job")).toBe(false);
    for (const name of [...services, "operator"]) {
      const certificate = find(objects, "Certificate", `shopmesh-${name}`);
      const account = name === "operator" ? "operator" : `shopmesh-${name}`;
      expect(certificate.spec).toMatchObject({
        secretName: `shopmesh-${name}-tls`,
        uris: [spiffe(account, "shop.example.com")],
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        usages: ["digital signature", "server auth", "client auth"],
        issuerRef: { name: "shop-ca", kind: "ClusterIssuer", group: "cert-manager.io" },
      });
      if (name !== "operator")
        expect(certificate.spec.dnsNames).toContain(`shopmesh-${name}.shop.svc.cluster.local`);
    }
  });

  it("refuses to render without an issuer, saying which value", async () => {
    const { ok, output } = await runHelm(
      templateArgs({ sets: ["trust.certificates=cert-manager"] }),
    );
    expect(ok).toBe(false);
    expect(output).toContain("trust.certManager.issuerRef.name is required");
  });
});

describe("a Secret of your own", () => {
  it("is mounted for its service, which gets no issued certificate; the others still do", async () => {
    const objects = await render({ values: ["everything-on.yaml"] });
    const volumes = podOf(objects, "user").volumes as Container[];
    expect(volumes.find((v) => v.name === "tls").secret.secretName).toBe("shop-user-mtls");
    const plan = planOf(objects);
    expect(plan.caSecret).toBe("shop-trust-root");
    expect(plan.leaves.map((leaf) => leaf.secret)).toEqual([
      "shopmesh-order-tls",
      "shopmesh-product-tls",
      "shopmesh-edge-tls",
      "shopmesh-operator-tls",
    ]);
    expect(plan.leaves[1]?.spiffeId).toBe(spiffe("product-identity", "shop.internal"));
  });
});

describe("insecurePlaintext=true (debugging only)", () => {
  it("mounts no certificate, runs no Job, and says so in every service's settings", async () => {
    const objects = await render({ sets: ["insecurePlaintext=true"] });
    expect(objects.filter((o) => ["Job", "Certificate"].includes(o.kind ?? ""))).toEqual([]);
    for (const name of services) {
      expect(find(objects, "ConfigMap", `shopmesh-${name}`).data?.INSECURE_PLAINTEXT).toBe("true");
      expect((podOf(objects, name).volumes as Container[]).map((v) => v.name)).not.toContain("tls");
    }
    const smoke = find(objects, "Pod", "shopmesh-smoke-test").spec.containers[0].command.join(" ");
    expect(smoke).toContain("main.js --plaintext health");
  });
});
