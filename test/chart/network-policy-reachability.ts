// Reachability under the rendered NetworkPolicies, as Kubernetes evaluates them: every call the
// services make, plus DNS, OTLP, database egress and scrapes, must be allowed once default-deny
// is in place; and anything else (a stranger, another namespace, the internet) must not be.
import { BlockList, isIPv4 } from "node:net";
import {
  type K8sObject,
  type LabelSelector,
  type Labels,
  matchesSelector,
  type Workload,
} from "./manifests.js";

// biome-ignore lint/suspicious/noExplicitAny: a rule entry straight from the manifest
type Entry = any;

/** A pod: its labels, its namespace and that namespace's labels. */
export type PodPeer = {
  readonly labels: Labels;
  readonly namespace: string;
  readonly namespaceLabels?: Labels;
};
/** The other end of a connection: a pod or an IP address outside the cluster. */
export type Peer = PodPeer | { readonly ip: string };

type Rule = { ports?: { port?: number; protocol?: string }[]; from?: Entry[]; to?: Entry[] };

/** A pod of the release's namespace with `labels`. */
export function podIn(namespace: string, labels: Labels): PodPeer {
  return { labels, namespace };
}

function namespaceLabelsOf(peer: { namespace: string; namespaceLabels?: Labels }): Labels {
  // Kubernetes labels every namespace with its name (since 1.22).
  return { "kubernetes.io/metadata.name": peer.namespace, ...peer.namespaceLabels };
}

function inBlock(ip: string, block: { cidr: string; except?: string[] }): boolean {
  const family = isIPv4(ip) ? "ipv4" : "ipv6";
  const range = (cidr: string) => {
    const list = new BlockList();
    const [address, prefix] = cidr.split("/");
    try {
      list.addSubnet(address ?? "", Number(prefix), isIPv4(address ?? "") ? "ipv4" : "ipv6");
    } catch {
      return false;
    }
    return list.check(ip, family);
  };
  return range(block.cidr) && !(block.except ?? []).some(range);
}

/** Whether one NetworkPolicy peer entry of a policy in `policyNamespace` matches `peer`. */
function entryMatches(entry: Entry, peer: Peer, policyNamespace: string): boolean {
  if (entry.ipBlock) return "ip" in peer && inBlock(peer.ip, entry.ipBlock);
  if ("ip" in peer) return false;
  const namespaceOk = entry.namespaceSelector
    ? matchesSelector(entry.namespaceSelector as LabelSelector, namespaceLabelsOf(peer))
    : peer.namespace === policyNamespace;
  const podOk = entry.podSelector
    ? matchesSelector(entry.podSelector as LabelSelector, peer.labels)
    : true;
  return namespaceOk && podOk;
}

/**
 * Whether traffic to/from `pod` (a pod of `namespace` with these labels) with `peer` on `port` is
 * allowed. A pod no policy of that direction selects is not isolated; otherwise some rule of a
 * selecting policy must allow both the port and the peer.
 */
export function allowed(
  policies: readonly K8sObject[],
  direction: "Ingress" | "Egress",
  pod: { labels: Labels; namespace: string },
  peer: Peer,
  port: number,
  protocol = "TCP",
): boolean {
  const applying = policies.filter(
    (policy) =>
      (policy.metadata?.namespace ?? pod.namespace) === pod.namespace &&
      (policy.spec?.policyTypes ?? ["Ingress"]).includes(direction) &&
      matchesSelector(policy.spec?.podSelector ?? {}, pod.labels),
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
    const peerOk = !peers || peers.some((entry) => entryMatches(entry, peer, pod.namespace));
    return portOk && peerOk;
  });
}

/**
 * Whether a connection from `from` to `to` on `port` gets through: egress at the source (when it
 * is a pod of the release's namespace) and ingress at the destination (likewise).
 */
export function reachable(
  policies: readonly K8sObject[],
  from: Peer,
  to: Peer,
  port: number,
  protocol = "TCP",
): boolean {
  const out = "ip" in from || allowed(policies, "Egress", from, to, port, protocol);
  const into = "ip" in to || allowed(policies, "Ingress", to, from, port, protocol);
  return out && into;
}

/** The DNS servers the checks assume: the kube-dns pods of kube-system. */
export const clusterDns: Peer = {
  labels: { "k8s-app": "kube-dns" },
  namespace: "kube-system",
};

/** The calls and egress the services need that the NetworkPolicies would block. */
export function networkPolicyProblems(
  objects: readonly K8sObject[],
  workloads: Workload[],
  options: {
    dns?: Peer;
    externalDatabase?: { ip: string; port: number };
    externalBroker?: { ip: string; port: number };
  } = {},
): string[] {
  const policies = objects.filter((object) => object.kind === "NetworkPolicy");
  if (policies.length === 0) return [];
  const namespace = policies[0]?.metadata?.namespace ?? "default";
  const pod = (w: Workload): PodPeer => podIn(namespace, w.labels);
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
  const postgres = workloads.find(
    (p) => p.kind === "StatefulSet" && p.labels["app.kubernetes.io/component"] === "postgresql",
  );
  for (const w of workloads.filter((w) => w.kind === "Deployment")) {
    const env = envOf(w);
    if (!env.GRPC_PORT) continue; // not a mesh service (Jaeger)
    if (!reachable(policies, pod(w), options.dns ?? clusterDns, 53, "UDP")) {
      problems.push(`${w.name}: DNS (UDP 53) egress is blocked, so headless names can't resolve`);
    }
    for (const [key, target] of Object.entries(env).filter(([, v]) => v.startsWith("dns:///"))) {
      const [, service, port] = /^dns:\/\/\/([^.]+)\.[^:]+:(\d+)$/.exec(target) ?? [];
      const selector = objects.find((o) => o.kind === "Service" && o.metadata?.name === service)
        ?.spec?.selector;
      const callee = workloads.find(
        (c) => c.kind === "Deployment" && matchesSelector({ matchLabels: selector }, c.labels),
      );
      if (!callee) continue;
      if (!allowed(policies, "Egress", pod(w), pod(callee), Number(port))) {
        problems.push(`${w.name}: egress to ${callee.name}:${port} (${key}) is blocked`);
      }
      if (!allowed(policies, "Ingress", pod(callee), pod(w), Number(port))) {
        problems.push(`${callee.name}: ingress from ${w.name} on ${port} (${key}) is blocked`);
      }
    }
    // An external database's address is in a Secret the chart may not render: the caller names it.
    const external = options.externalDatabase;
    const database = postgres
      ? { peer: pod(postgres), port: 5432 }
      : external && { peer: { ip: external.ip }, port: external.port };
    const usesDatabase = w.containers.some((c: Entry) =>
      (c.env ?? []).some((e: Entry) => e.name === "DATABASE_URL_FILE"),
    );
    if (database && usesDatabase && !reachable(policies, pod(w), database.peer, database.port)) {
      problems.push(`${w.name}: its database on ${database.port} is unreachable`);
    }
    problems.push(...brokerProblems(objects, workloads, policies, w, env, options.externalBroker));
    const otlp = env.OTEL_TRACES_EXPORTER === "otlp" ? env.OTEL_EXPORTER_OTLP_ENDPOINT : undefined;
    if (otlp) {
      const otlpPort = Number(/:(\d+)\/?$/.exec(otlp)?.[1] ?? 4318);
      const jaeger = workloads.find((j) => j.kind === "Deployment" && otlp.includes(j.name));
      const inCluster = /^https?:\/\/[^.]+\.([^.]+)\.svc/.exec(otlp)?.[1];
      const collector: Peer | undefined = jaeger
        ? pod(jaeger)
        : inCluster
          ? { labels: { app: "collector" }, namespace: inCluster }
          : undefined;
      if (collector && !reachable(policies, pod(w), collector, otlpPort)) {
        problems.push(`${w.name}: traces to the OTLP endpoint ${otlp} are blocked`);
      }
    }
  }
  return problems;
}

/** A publisher's or consumer's way to the event broker (NATS_URL), bundled or external. */
function brokerProblems(
  objects: readonly K8sObject[],
  workloads: Workload[],
  policies: readonly K8sObject[],
  client: Workload,
  env: Record<string, string>,
  externalBroker: { ip: string; port: number } | undefined,
): string[] {
  if (!env.NATS_URL) return [];
  const namespace = policies[0]?.metadata?.namespace ?? "default";
  const problems: string[] = [];
  for (const server of env.NATS_URL.split(",")) {
    const [, host = "", port = "4222"] = /^\w+:\/\/([^:]+):(\d+)$/.exec(server) ?? [];
    const service = objects.find(
      (o) => o.kind === "Service" && host.startsWith(`${o.metadata?.name}.${namespace}.svc`),
    );
    const broker = service
      ? workloads.find((b) => matchesSelector({ matchLabels: service.spec?.selector }, b.labels))
      : undefined;
    // An external broker's address is not in the chart: the caller names it.
    const peer: Peer | undefined = broker
      ? podIn(namespace, broker.labels)
      : externalBroker && { ip: externalBroker.ip };
    if (!peer) continue;
    const target = broker ? Number(port) : (externalBroker?.port ?? Number(port));
    if (!reachable(policies, podIn(namespace, client.labels), peer, target)) {
      problems.push(`${client.name}: the event broker ${server} is unreachable`);
    }
  }
  return problems;
}
