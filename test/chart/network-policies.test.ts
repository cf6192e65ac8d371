// Issue #18 item 5 and #13 item 6: NetworkPolicies on by default and without holes. Each call the
// mesh makes is allowed (cross-references.ts checks them for every value set); here, everything
// else is shown blocked: strangers, other namespaces, the internet, other DNS servers.
import { describe, expect, it } from "vitest";
import { chart, render, runHelm, testPassword } from "./helm.js";
import type { K8sObject, Labels } from "./manifests.js";
import { type Peer, podIn, reachable } from "./network-policy-reachability.js";

const component = (name: string): Labels => ({
  "app.kubernetes.io/name": "shopmesh",
  "app.kubernetes.io/instance": "shopmesh",
  "app.kubernetes.io/component": name,
});
const shop = (name: string) => podIn("shop", component(name));
const user = shop("user");
const product = shop("product");
const order = shop("order");
const postgres = shop("postgresql");
const jaeger = shop("jaeger");
const stranger = podIn("shop", { app: "stranger" });
const elsewhere = podIn("elsewhere", { app: "stranger" });
const prometheus = podIn("monitoring", { "app.kubernetes.io/name": "prometheus" });
const kubeDns = podIn("kube-system", { "k8s-app": "kube-dns" });
const notDns = podIn("kube-system", { "k8s-app": "metrics-server" });
const internet: Peer = { ip: "203.0.113.9" };

const policiesOf = (objects: K8sObject[]) => objects.filter((o) => o.kind === "NetworkPolicy");

/** [from, to, port, protocol?] that must get through, and that must not. */
type Case = [string, Peer, Peer, number, string?];
function expectReachability(policies: K8sObject[], open: Case[], closed: Case[]): void {
  const wrong = [
    ...open.filter(([, f, t, p, proto]) => !reachable(policies, f, t, p, proto)),
    ...closed.filter(([, f, t, p, proto]) => reachable(policies, f, t, p, proto)),
  ].map(([label]) => label);
  expect(wrong).toEqual([]);
}

describe("NetworkPolicies", () => {
  it("are on by default and open exactly the mesh's calls", async () => {
    const policies = policiesOf(await render({ values: ["everything-on.yaml"] }));
    expect(policies.map((p) => p.metadata?.name)).toContain("shopmesh-default-deny");
    expectReachability(
      policies,
      [
        ["order → user", order, user, 50051],
        ["order → product", order, product, 50052],
        ["a pod of the namespace → order", stranger, order, 50053],
        ["Prometheus → metrics", prometheus, user, 9461],
        ["services → their database", product, postgres, 5432],
        ["services → cluster DNS (UDP)", user, kubeDns, 53, "UDP"],
        ["services → cluster DNS (TCP)", order, kubeDns, 53],
        ["services → Jaeger OTLP", order, jaeger, 4318],
        ["the configured peers → Jaeger UI", podIn("observability", {}), jaeger, 16686],
      ],
      [
        ["a stranger → user", stranger, user, 50051],
        ["a stranger → product", stranger, product, 50052],
        ["user → product", user, product, 50052],
        ["a stranger → PostgreSQL", stranger, postgres, 5432],
        ["another namespace → order", elsewhere, order, 50053],
        ["a stranger → metrics", stranger, user, 9461],
        ["another namespace → metrics", elsewhere, order, 9463],
        ["services → the internet", order, internet, 443],
        ["services → another DNS server", user, notDns, 53, "UDP"],
        ["PostgreSQL → the internet", postgres, internet, 443],
        ["a stranger → Jaeger OTLP", stranger, jaeger, 4318],
        ["a stranger → Jaeger UI", stranger, jaeger, 16686],
      ],
    );
  });

  it("let an external database and collector be reached only where they are", async () => {
    const policies = policiesOf(await render({ values: ["production.yaml"] }));
    const storefront = podIn("storefront", {});
    const collector = podIn("observability", { app: "otel-collector" });
    expectReachability(
      policies,
      [
        ["order → the database's range", order, { ip: "10.20.3.4" }, 5432],
        ["the configured callers → order", storefront, order, 50053],
        ["services → the collector's namespace", user, collector, 4318],
      ],
      [
        ["order → a database elsewhere", order, { ip: "10.99.0.1" }, 5432],
        ["order → the internet on 5432", order, internet, 5432],
        ["a pod of the namespace → order (not a configured caller)", stranger, order, 50053],
        ["services → OTLP elsewhere", user, elsewhere, 4318],
        ["services → OTLP on the internet", user, internet, 4318],
      ],
    );
  });

  it("take another DNS (NodeLocal DNSCache) and no scrapers when told", async () => {
    const policies = policiesOf(
      await render({
        sets: [
          "networkPolicy.dns.to[0].ipBlock.cidr=169.254.20.10/32",
          "networkPolicy.metricsScrapers=null",
        ],
      }),
    );
    expectReachability(
      policies,
      [["services → NodeLocal DNSCache", user, { ip: "169.254.20.10" }, 53, "UDP"]],
      [
        ["services → kube-dns", user, kubeDns, 53, "UDP"],
        ["Prometheus → metrics", prometheus, user, 9461],
      ],
    );
  });

  it("keep the plaintext health port for the probers, and let the certificate Job reach the API server only", async () => {
    const policies = policiesOf(await render());
    const issuer = shop("trust-issuer");
    const apiServer: Peer = { ip: "10.0.0.1" };
    expectReachability(
      policies,
      [
        ["certificate Job → API server (Service port)", issuer, apiServer, 443],
        ["certificate Job → API server (control plane port)", issuer, apiServer, 6443],
      ],
      [
        // The kubelet probes from the pod's node, which NetworkPolicies never block; no pod may.
        ["a stranger → user health", stranger, user, 50061],
        ["order → product health", order, product, 50062],
        ["another namespace → order health", elsewhere, order, 50063],
        ["certificate Job → user", issuer, user, 50051],
        ["certificate Job → PostgreSQL", issuer, postgres, 5432],
        ["certificate Job → elsewhere", issuer, apiServer, 80],
      ],
    );
    const nodes = policiesOf(
      await render({ sets: ["networkPolicy.healthProbesFrom[0].ipBlock.cidr=10.240.0.0/16"] }),
    );
    const node: Peer = { ip: "10.240.1.7" };
    expectReachability(
      nodes,
      [["the configured probers → health", node, user, 50061]],
      [
        ["the configured probers → gRPC (mTLS only)", node, user, 50051],
        ["the configured probers → metrics", node, user, 9461],
      ],
    );
  });

  it.each([
    [
      "postgresql.enabled=false,database.existingSecret=db",
      "database.external.cidr is required with NetworkPolicies on and an external database",
    ],
    [
      "telemetry.otlpEndpoint=https://otlp.example.com:4318",
      "networkPolicy.otlpCollector is required",
    ],
  ])("refuse %s rather than open the egress to everywhere", async (sets, message) => {
    const { ok, output } = await runHelm([
      ...["template", "shopmesh", chart, "--set", testPassword, "--set", sets],
    ]);
    expect(ok).toBe(false);
    expect(output).toContain(message);
  });
});
