// Issue #17 item 5 in the rendered chart: a bundled NATS (JetStream on a volume, optionally a
// three-server cluster) or an external one with credentials from a Secret; the order and user
// services get the URL; NetworkPolicies let exactly the publisher and the consumer reach it.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { natsServerBin } from "../support/nats-server.js";
import { chart, find, render, runHelm, testPassword } from "./helm.js";
import type { K8sObject, Labels } from "./manifests.js";
import { allowed, type Peer, podIn, reachable } from "./network-policy-reachability.js";

const external = [
  "nats.enabled=false",
  "events.externalUrl=tls://nats.messaging.example.internal:4222",
  "events.credentialsSecret=shop-nats",
  "events.external.cidr=10.30.0.0/16",
];

const configOf = (objects: K8sObject[], name: string) =>
  find(objects, "ConfigMap", `shopmesh-${name}`).data ?? {};
const podOf = (objects: K8sObject[], name: string) =>
  find(objects, "Deployment", `shopmesh-${name}`).spec.template.spec;

/** Runs the real nats-server's configuration check (-t) on a rendered nats.conf. */
async function natsAccepts(conf: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-nats-conf-"));
  try {
    const file = path.join(dir, "nats.conf");
    await writeFile(file, conf.replaceAll("/data/", `${dir}/`));
    const { stdout, stderr } = await promisify(execFile)(natsServerBin, ["-t", "-c", file], {
      env: {
        ...process.env,
        POD_NAME: "shopmesh-nats-0",
        NATS_ORDER_PASSWORD: "o",
        NATS_USER_PASSWORD: "u",
        NATS_TAIL_PASSWORD: "t",
      },
    });
    return stdout + stderr;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("the bundled NATS (the default)", () => {
  it("runs JetStream on a persistent volume, one server, and the services find it", async () => {
    const objects = await render();
    const nats = find(objects, "StatefulSet", "shopmesh-nats");
    expect(nats.spec.replicas).toBe(1);
    expect(nats.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("2Gi");
    const container = nats.spec.template.spec.containers[0];
    expect(container.volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
    expect(container.readinessProbe.httpGet.path).toBe("/healthz?js-enabled-only=true");
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true });
    const conf = configOf(objects, "nats")["nats.conf"] ?? "";
    expect(conf).toContain("store_dir: /data/jetstream");
    expect(conf).not.toContain("cluster {");
    expect(await natsAccepts(conf)).toMatch(/configuration file .* is valid/);
    for (const service of ["order", "user"]) {
      expect(configOf(objects, service)).toMatchObject({
        NATS_URL: "nats://shopmesh-nats.shop.svc.cluster.local:4222",
        NATS_STREAM_REPLICAS: "1",
      });
      // Each signs in as itself (test/chart/nats-authorization.test.ts runs those logins).
      const env = podOf(objects, service).containers[0].env;
      expect(env).toContainEqual({ name: "NATS_USER", value: service });
    }
    expect(configOf(objects, "product").NATS_URL).toBeUndefined();
    expect(find(objects, "Service", "shopmesh-nats").spec.ports).toEqual([
      { name: "client", port: 4222, targetPort: "client" },
    ]);
  });

  it("forms a three-server JetStream cluster with replicated streams when asked", async () => {
    const objects = await render({ sets: ["nats.replicas=3"] });
    const nats = find(objects, "StatefulSet", "shopmesh-nats");
    expect(nats.spec).toMatchObject({ replicas: 3, podManagementPolicy: "Parallel" });
    const conf = configOf(objects, "nats")["nats.conf"] ?? "";
    for (const i of [0, 1, 2]) {
      expect(conf).toContain(
        `nats://shopmesh-nats-${i}.shopmesh-nats-headless.shop.svc.cluster.local:6222`,
      );
    }
    expect(await natsAccepts(conf)).toMatch(/configuration file .* is valid/);
    expect(configOf(objects, "order").NATS_STREAM_REPLICAS).toBe("3");
    expect(find(objects, "PodDisruptionBudget", "shopmesh-nats").spec.maxUnavailable).toBe(1);
  });

  it("refuses a cluster of two (no JetStream quorum survives a loss)", async () => {
    const { ok, output } = await runHelm([
      "template",
      "shopmesh",
      chart,
      "--set",
      testPassword,
      "--set",
      "nats.replicas=2",
    ]);
    expect(ok).toBe(false);
    expect(output).toMatch(/nats\/replicas/);
  });
});

describe("an external NATS", () => {
  it("gives order and user its URL, the user from the Secret and the password as a file", async () => {
    const objects = await render({ sets: external });
    expect(objects.filter((o) => o.metadata?.name?.startsWith("shopmesh-nats"))).toEqual([]);
    for (const service of ["order", "user"]) {
      expect(configOf(objects, service).NATS_URL).toBe(
        "tls://nats.messaging.example.internal:4222",
      );
      const pod = podOf(objects, service);
      const env = pod.containers[0].env;
      expect(env).toContainEqual({
        name: "NATS_USER",
        valueFrom: { secretKeyRef: { name: "shop-nats", key: "user" } },
      });
      expect(env).toContainEqual({
        name: "NATS_PASSWORD_FILE",
        valueFrom: { configMapKeyRef: { name: `shopmesh-${service}`, key: "NATS_AUTH_PATH" } },
      });
      expect(configOf(objects, service).NATS_AUTH_PATH).toBe("/etc/shopmesh/nats/password");
      expect(JSON.stringify(env)).not.toMatch(/"NATS_PASSWORD"/);
      expect(pod.volumes).toContainEqual({
        name: "nats-credentials",
        secret: {
          secretName: "shop-nats",
          defaultMode: 0o440,
          items: [{ key: "password", path: "password" }],
        },
      });
    }
    const product = JSON.stringify(podOf(objects, "product"));
    expect(product).not.toMatch(/NATS|nats-credentials/);
  });

  it("is required when the bundled NATS is off, and so is its address range with NetworkPolicies", async () => {
    const noUrl = await runHelm([
      "template",
      "shopmesh",
      chart,
      "--set",
      testPassword,
      "--set",
      "nats.enabled=false",
    ]);
    expect(noUrl.ok).toBe(false);
    expect(noUrl.output).toContain("events.externalUrl is required with nats.enabled=false");
    const noCidr = await runHelm([
      "template",
      "shopmesh",
      chart,
      ...["--set", testPassword, "--set", "nats.enabled=false,events.externalUrl=nats://n:4222"],
    ]);
    expect(noCidr.ok).toBe(false);
    expect(noCidr.output).toContain("events.external.cidr is required");
    const badUrl = await runHelm([
      "template",
      "shopmesh",
      chart,
      ...["--set", testPassword, "--set", "events.externalUrl=http://n:4222"],
    ]);
    expect(badUrl.ok).toBe(false);
    expect(badUrl.output).toMatch(/events\/externalUrl/);
  });
});

describe("NetworkPolicies around the broker", () => {
  const component = (name: string): Labels => ({
    "app.kubernetes.io/name": "shopmesh",
    "app.kubernetes.io/instance": "shopmesh",
    "app.kubernetes.io/component": name,
  });
  const shop = (name: string) => podIn("shop", component(name));
  const policiesOf = (objects: K8sObject[]) => objects.filter((o) => o.kind === "NetworkPolicy");

  it("let exactly the publisher and the consumer reach the bundled NATS, and its servers each other", async () => {
    const policies = policiesOf(await render({ values: ["everything-on.yaml"] }));
    const nats = shop("nats");
    const cases: [string, Peer, Peer, number, boolean][] = [
      ["order → NATS", shop("order"), nats, 4222, true],
      ["user → NATS", shop("user"), nats, 4222, true],
      ["NATS → NATS (routes)", nats, nats, 6222, true],
      ["product → NATS", shop("product"), nats, 4222, false],
      ["edge → NATS", shop("edge"), nats, 4222, false],
      ["a stranger → NATS", podIn("shop", { app: "stranger" }), nats, 4222, false],
      ["another namespace → NATS", podIn("elsewhere", {}), nats, 4222, false],
      ["order → NATS routes", shop("order"), nats, 6222, false],
      ["NATS → the internet", nats, { ip: "203.0.113.9" }, 443, false],
    ];
    const wrong = cases.filter(
      ([, from, to, port, open]) => reachable(policies, from, to, port) !== open,
    );
    expect(wrong.map(([label]) => label)).toEqual([]);
    // NATS's own ingress admits only them too, whatever the other pods' egress says.
    const admitted = ["order", "user", "product", "edge", "jaeger", "postgresql"].filter((name) =>
      allowed(policies, "Ingress", nats, shop(name), 4222),
    );
    expect(admitted).toEqual(["order", "user"]);
  });

  it("let exactly order and user reach an external NATS's address range", async () => {
    const policies = policiesOf(await render({ sets: external }));
    const broker = { ip: "10.30.4.5" };
    expect(reachable(policies, shop("order"), broker, 4222)).toBe(true);
    expect(reachable(policies, shop("user"), broker, 4222)).toBe(true);
    expect(reachable(policies, shop("product"), broker, 4222)).toBe(false);
    expect(reachable(policies, shop("order"), { ip: "203.0.113.9" }, 4222)).toBe(false);
  });
});
