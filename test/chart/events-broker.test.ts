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
import { find, type RenderOptions, render, runHelm, templateArgs } from "./helm.js";
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
});

// What the chart refuses to render, and the message that says why.
const refusals: [string, string[], string | RegExp][] = [
  ["a cluster of two (no JetStream quorum survives a loss)", ["nats.replicas=2"], /nats\/replicas/],
  [
    "the bundled NATS off without an external URL",
    ["nats.enabled=false"],
    "events.externalUrl is required with nats.enabled=false",
  ],
  [
    "an external NATS without its address range (the NetworkPolicies need it)",
    ["nats.enabled=false,events.externalUrl=nats://n:4222"],
    "events.external.cidr is required",
  ],
  [
    "an external URL that is not nats:// or tls://",
    ["events.externalUrl=http://n:4222"],
    /events\/externalUrl/,
  ],
];

describe("values the chart refuses", () => {
  it.each(refusals)("%s", async (_, sets, message) => {
    const { ok, output } = await runHelm(templateArgs({ sets }));
    expect(ok).toBe(false);
    expect(output).toMatch(message);
  });
});

describe("NetworkPolicies around the broker", () => {
  const component = (name: string): Labels => ({
    "app.kubernetes.io/name": "shopmesh",
    "app.kubernetes.io/instance": "shopmesh",
    "app.kubernetes.io/component": name,
  });
  const shop = (name: string) => podIn("shop", component(name));
  // Each render once, however many tests read its policies.
  const renders = new Map<string, Promise<K8sObject[]>>();
  const policiesOf = async (options: RenderOptions) => {
    const key = JSON.stringify(options);
    if (!renders.has(key)) renders.set(key, render(options));
    const objects = (await renders.get(key)) ?? [];
    return objects.filter((o) => o.kind === "NetworkPolicy");
  };

  const nats = shop("nats");
  const externalBroker = { ip: "10.30.4.5" };
  const internet = { ip: "203.0.113.9" };
  // Per broker: the render, then each connection and whether the policies let it through.
  const reachability: [string, RenderOptions, [string, Peer, Peer, number, boolean][]][] = [
    [
      "the bundled NATS: the publisher and the consumer, and its servers each other",
      { values: ["everything-on.yaml"] },
      [
        ["order → NATS", shop("order"), nats, 4222, true],
        ["user → NATS", shop("user"), nats, 4222, true],
        ["NATS → NATS (routes)", nats, nats, 6222, true],
        ["product → NATS", shop("product"), nats, 4222, false],
        ["edge → NATS", shop("edge"), nats, 4222, false],
        ["a stranger → NATS", podIn("shop", { app: "stranger" }), nats, 4222, false],
        ["another namespace → NATS", podIn("elsewhere", {}), nats, 4222, false],
        ["order → NATS routes", shop("order"), nats, 6222, false],
        ["NATS → the internet", nats, internet, 443, false],
      ],
    ],
    [
      "an external NATS's address range: order and user",
      { sets: external },
      [
        ["order → the external NATS", shop("order"), externalBroker, 4222, true],
        ["user → the external NATS", shop("user"), externalBroker, 4222, true],
        ["product → the external NATS", shop("product"), externalBroker, 4222, false],
        ["order → outside the range", shop("order"), internet, 4222, false],
      ],
    ],
  ];

  it.each(reachability)("let exactly these through to %s", async (_, options, cases) => {
    const policies = await policiesOf(options);
    const wrong = cases.filter(
      ([, from, to, port, open]) => reachable(policies, from, to, port) !== open,
    );
    expect(wrong.map(([label]) => label)).toEqual([]);
  });

  it("let the bundled NATS admit only order and user, whatever the other pods' egress says", async () => {
    const policies = await policiesOf({ values: ["everything-on.yaml"] });
    const admitted = ["order", "user", "product", "edge", "jaeger", "postgresql"].filter((name) =>
      allowed(policies, "Ingress", nats, shop(name), 4222),
    );
    expect(admitted).toEqual(["order", "user"]);
  });
});
