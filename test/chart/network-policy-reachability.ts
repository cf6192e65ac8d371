// Reachability under the rendered NetworkPolicies: every call the services make, plus DNS, OTLP
// and database egress, must be allowed once default-deny is in place.
import { type K8sObject, type Labels, selects, type Workload } from "./manifests.js";

// biome-ignore lint/suspicious/noExplicitAny: a rule entry straight from the manifest
type Entry = any;

type Peer = { labels?: Labels; external?: boolean };
type Rule = {
  ports?: { port?: number; protocol?: string }[];
  from?: Entry[];
  to?: Entry[];
};

/**
 * Whether traffic from/to `pod` with `peer` on `port` is allowed. A pod no policy of that
 * direction selects is not isolated; otherwise some rule must allow the port and the peer.
 */
export function allowed(
  policies: readonly K8sObject[],
  direction: "Ingress" | "Egress",
  pod: Labels,
  peer: Peer,
  port: number,
  protocol = "TCP",
): boolean {
  const applying = policies.filter(
    (policy) =>
      (policy.spec?.policyTypes ?? ["Ingress"]).includes(direction) &&
      selects(policy.spec?.podSelector?.matchLabels, pod),
  );
  if (applying.length === 0) return true;
  const rules: Rule[] = applying.flatMap(
    (policy) => policy.spec?.[direction === "Ingress" ? "ingress" : "egress"] ?? [],
  );
  return rules.some((rule) => {
    const portOk =
      !rule.ports ||
      rule.ports.some(
        (p) => (p.port === undefined || p.port === port) && (p.protocol ?? "TCP") === protocol,
      );
    const peers = direction === "Ingress" ? rule.from : rule.to;
    const peerOk =
      !peers ||
      peers.some((entry: Entry) => {
        if (entry.ipBlock) return peer.external === true;
        if (peer.external) return false;
        // Same namespace unless a namespaceSelector widens it; {} matches every namespace.
        return selects(entry.podSelector?.matchLabels, peer.labels ?? {});
      });
    return portOk && peerOk;
  });
}

/** The calls and egress the services need that the NetworkPolicies would block. */
export function networkPolicyProblems(
  objects: readonly K8sObject[],
  workloads: Workload[],
): string[] {
  const policies = objects.filter((object) => object.kind === "NetworkPolicy");
  if (policies.length === 0) return [];
  const problems: string[] = [];
  const envOf = (w: Workload): Record<string, string> => {
    const fromConfigMaps = w.containers.flatMap((c: Entry) =>
      (c.envFrom ?? []).map((s: Entry) => s.configMapRef?.name),
    );
    return Object.assign(
      {},
      ...objects
        .filter((o) => o.kind === "ConfigMap" && fromConfigMaps.includes(o.metadata?.name))
        .map((o) => o.data ?? {}),
    );
  };
  for (const w of workloads.filter((w) => w.kind === "Deployment")) {
    const env = envOf(w);
    if (!env.GRPC_PORT) continue; // not a mesh service (Jaeger)
    if (!allowed(policies, "Egress", w.labels, { labels: { "k8s-app": "kube-dns" } }, 53, "UDP")) {
      problems.push(`${w.name}: DNS (UDP 53) egress is blocked, so headless names can't resolve`);
    }
    for (const [key, target] of Object.entries(env).filter(([, v]) => v.startsWith("dns:///"))) {
      const [, service, port] = /^dns:\/\/\/([^.]+)\.[^:]+:(\d+)$/.exec(target) ?? [];
      const selector = objects.find((o) => o.kind === "Service" && o.metadata?.name === service)
        ?.spec?.selector;
      const callee = workloads.find((c) => c.kind === "Deployment" && selects(selector, c.labels));
      if (!callee) continue;
      if (!allowed(policies, "Egress", w.labels, { labels: callee.labels }, Number(port))) {
        problems.push(`${w.name}: egress to ${callee.name}:${port} (${key}) is blocked`);
      }
      if (!allowed(policies, "Ingress", callee.labels, { labels: w.labels }, Number(port))) {
        problems.push(`${callee.name}: ingress from ${w.name} on ${port} (${key}) is blocked`);
      }
    }
    const database = /:(\d+)\//.exec(String(env.DATABASE_URL ?? ""))?.[1];
    const postgres = workloads.find((p) => p.kind === "StatefulSet");
    const dbPeer = postgres ? { labels: postgres.labels } : { external: true };
    const dbPort = Number(database ?? 5432);
    if (!allowed(policies, "Egress", w.labels, dbPeer, dbPort)) {
      problems.push(`${w.name}: egress to its database on ${dbPort} is blocked`);
    }
    if (postgres && !allowed(policies, "Ingress", postgres.labels, { labels: w.labels }, 5432)) {
      problems.push(`${postgres.name}: ingress from ${w.name} on 5432 is blocked`);
    }
    const otlp = env.OTEL_TRACES_EXPORTER === "otlp" ? env.OTEL_EXPORTER_OTLP_ENDPOINT : undefined;
    if (otlp) {
      const otlpPort = Number(/:(\d+)\/?$/.exec(otlp)?.[1] ?? 4318);
      const jaeger = workloads.find((j) => j.kind === "Deployment" && otlp.includes(j.name));
      const peer = jaeger ? { labels: jaeger.labels } : { external: true };
      if (!allowed(policies, "Egress", w.labels, peer, otlpPort)) {
        problems.push(`${w.name}: egress to the OTLP endpoint ${otlp} is blocked`);
      }
      if (jaeger && !allowed(policies, "Ingress", jaeger.labels, { labels: w.labels }, otlpPort)) {
        problems.push(`${jaeger.name}: ingress of traces from ${w.name} on ${otlpPort} is blocked`);
      }
    }
  }
  return problems;
}
