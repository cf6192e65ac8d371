// Issue #14 item 7: the edge in the chart. It is the only workload reachable from outside (its
// port, from anywhere; nothing else of it), it may call the three services and the identity
// provider only, and it is a workload like the services: own identity, HPA, PDB, probes.
import { describe, expect, it } from "vitest";
import { chart, find, render, runHelm, testPassword } from "./helm.js";
import type { K8sObject, Labels } from "./manifests.js";
import { type Peer, podIn, reachable } from "./network-policy-reachability.js";

const component = (name: string): Labels => ({
  "app.kubernetes.io/name": "shopmesh",
  "app.kubernetes.io/instance": "shopmesh",
  "app.kubernetes.io/component": name,
});
const shop = (name: string) => podIn("shop", component(name));
const [edge, user, product, order, postgres] = [
  "edge",
  "user",
  "product",
  "order",
  "postgresql",
].map(shop) as [Peer, Peer, Peer, Peer, Peer];
const internet: Peer = { ip: "198.51.100.7" };
const elsewhere = podIn("elsewhere", { app: "browser-proxy" });
const keycloak = podIn("keycloak", { app: "keycloak" });

const policiesOf = (objects: K8sObject[]) => objects.filter((o) => o.kind === "NetworkPolicy");
type Case = [string, Peer, Peer, number];
const wrongOf = (policies: K8sObject[], open: Case[], closed: Case[]) => [
  ...open.filter(([, f, t, p]) => !reachable(policies, f, t, p)).map(([label]) => label),
  ...closed
    .filter(([, f, t, p]) => reachable(policies, f, t, p))
    .map(([label]) => `${label} (open)`),
];

describe("the edge in the chart", () => {
  it("is off by default: the chart renders no edge object", async () => {
    const objects = await render();
    expect(objects.filter((o) => o.metadata?.name?.endsWith("-edge"))).toEqual([]);
  });

  it("is the only door: its port from anywhere, nothing else of it, and the services not at all", async () => {
    const policies = policiesOf(await render({ values: ["everything-on.yaml"] }));
    const wrong = wrongOf(
      policies,
      [
        ["the internet → edge", internet, edge, 8080],
        ["another namespace → edge", elsewhere, edge, 8080],
        ["edge → user", edge, user, 50051],
        ["edge → product", edge, product, 50052],
        ["edge → order", edge, order, 50053],
        ["edge → the identity provider", edge, keycloak, 8080],
      ],
      [
        ["the internet → edge metrics", internet, edge, 9460],
        ["the internet → edge, another port", internet, edge, 22],
        ["the internet → user", internet, user, 50051],
        ["the internet → order", internet, order, 50053],
        ["another namespace → product", elsewhere, product, 50052],
        ["edge → PostgreSQL", edge, postgres, 5432],
        ["edge → the internet", edge, internet, 443],
        ["edge → user's metrics", edge, user, 9461],
      ],
    );
    expect(wrong).toEqual([]);
  });

  it("reaches a provider outside the cluster only at its address range", async () => {
    const policies = policiesOf(await render({ values: ["production.yaml"] }));
    const wrong = wrongOf(
      policies,
      [["edge → the provider's range", edge, { ip: "203.0.113.20" }, 443]],
      [["edge → elsewhere on 443", edge, internet, 443]],
    );
    expect(wrong).toEqual([]);
  });

  it("runs as its own workload with the provider's settings, TLS as the services", async () => {
    const objects = await render({ values: ["everything-on.yaml"] });
    const deployment = find(objects, "Deployment", "shopmesh-edge") as K8sObject & {
      spec: {
        template: { spec: { serviceAccountName: string; containers: { command: string[] }[] } };
      };
    };
    expect(deployment.spec.template.spec.serviceAccountName).toBe("edge-identity");
    expect(deployment.spec.template.spec.containers[0]?.command).toContain(
      "./dist/bundle/edge/main.js",
    );
    find(objects, "ServiceAccount", "edge-identity");
    find(objects, "HorizontalPodAutoscaler", "shopmesh-edge");
    find(objects, "PodDisruptionBudget", "shopmesh-edge");
    const ingress = find(objects, "Ingress", "shopmesh-edge") as K8sObject & {
      spec: { rules: { host: string }[] };
    };
    expect(ingress.spec.rules.map((rule: { host: string }) => rule.host)).toEqual([
      "shop.example.com",
    ]);
    // Gateway API: the route attaches to the operator's Gateway and leads to the edge alone.
    const route = find(objects, "HTTPRoute", "shopmesh-edge") as K8sObject & {
      spec: {
        parentRefs: { name: string }[];
        hostnames: string[];
        rules: { backendRefs: { name: string; port: number }[] }[];
      };
    };
    expect(route.spec.parentRefs.map((parent: { name: string }) => parent.name)).toEqual([
      "public",
    ]);
    expect(route.spec.hostnames).toEqual(["shop.example.com"]);
    expect(
      route.spec.rules.flatMap((rule: { backendRefs: unknown[] }) => rule.backendRefs),
    ).toEqual([{ name: "shopmesh-edge", port: 8080 }]);
    const data = (name: string) =>
      (find(objects, "ConfigMap", name) as K8sObject & { data: Record<string, string> }).data;
    expect(data("shopmesh-edge")).toMatchObject({
      IDP_ISSUER: "https://auth.example.com/realms/shop",
      IDP_AUDIENCE: "shopmesh",
      IDP_ADMIN_CLAIM: "realm_access.roles",
      ORDER_SERVICE_TARGET: "dns:///shopmesh-order-headless.shop.svc.cluster.local:50053",
      INSECURE_PLAINTEXT: data("shopmesh-user").INSECURE_PLAINTEXT,
    });
    // The services let the edge's identity, and only it, act for end users.
    expect(data("shopmesh-order").END_USER_PEERS).toBe(
      "spiffe://shop.internal/ns/shop/sa/edge-identity",
    );
  });

  it("names the services' identities to the edge once TLS is on", async () => {
    const objects = await render({
      values: ["production.yaml"],
      sets: ["insecurePlaintext=false"],
    });
    const data = (
      find(objects, "ConfigMap", "shopmesh-edge") as K8sObject & {
        data: Record<string, string>;
      }
    ).data;
    expect(data.USER_SERVICE_IDENTITY).toBe("spiffe://shop.example.com/ns/shop/sa/shopmesh-user");
    expect(data.INSECURE_PLAINTEXT).toBe("false");
  });

  it.each([
    [
      "edge.enabled=true,networkPolicy.enabled=false",
      "edge.jwt.jwksUrl is required with edge.enabled",
    ],
    [
      "edge.enabled=true,edge.jwt.jwksUrl=https://idp.example.com/jwks,edge.jwt.issuer=i,edge.jwt.audience=a",
      "networkPolicy.identityProvider is required",
    ],
    ["edge.enabled=true,edge.jwt.algorithms=HS256", "/edge/jwt/algorithms"],
    [
      "edge.enabled=true,edge.jwt.jwksUrl=https://idp.example.com/jwks,edge.jwt.issuer=i,edge.jwt.audience=a,networkPolicy.enabled=false,edge.httpRoute.enabled=true",
      "edge.httpRoute.parentRefs is required",
    ],
  ])("refuses %s, naming what is missing", async (sets, message) => {
    const { ok, output } = await runHelm([
      ...["template", "shopmesh", chart, "--set", testPassword, "--set", sets],
    ]);
    expect(ok).toBe(false);
    expect(output).toContain(message);
  });
});
