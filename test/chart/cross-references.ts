// Checks across rendered objects that no schema can see: that names, labels and ports which
// must agree between objects do agree. Each problem is a sentence naming the objects involved.

/** A rendered Kubernetes object, as parsed from `helm template`. */
export type K8sObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; labels?: Labels };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field below
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};
type Labels = Record<string, string>;
// biome-ignore lint/suspicious/noExplicitAny: a container spec straight from the manifest
type Container = any;
type Workload = { name: string; kind: string; labels: Labels; containers: Container[] };

/** Every cross-reference problem of a set of manifests (empty when they all agree). */
export function crossReferenceProblems(
  objects: readonly K8sObject[],
  options: { externalSecrets?: readonly string[] } = {},
): string[] {
  const workloads = workloadsOf(objects);
  return [
    ...serviceProblems(objects, workloads),
    ...probeProblems(workloads),
    ...autoscalerProblems(objects, workloads),
    ...disruptionBudgetProblems(objects, workloads),
    ...grpcTargetProblems(objects),
    ...referenceProblems(objects, workloads, options.externalSecrets ?? []),
    ...imageProblems(workloads),
    ...networkPolicyProblems(objects, workloads),
  ];
}

const named = (object: K8sObject) => `${object.kind} ${object.metadata?.name}`;

function workloadsOf(objects: readonly K8sObject[]): Workload[] {
  return objects.flatMap((object): Workload[] => {
    const name = object.metadata?.name ?? "?";
    if (object.kind === "Deployment" || object.kind === "StatefulSet") {
      const template = object.spec?.template ?? {};
      return [
        {
          name,
          kind: object.kind,
          labels: template.metadata?.labels ?? {},
          containers: template.spec?.containers ?? [],
        },
      ];
    }
    if (object.kind === "Pod") {
      return [
        {
          name,
          kind: "Pod",
          labels: object.metadata?.labels ?? {},
          containers: object.spec?.containers ?? [],
        },
      ];
    }
    return [];
  });
}

/** Whether a matchLabels-style selector selects `labels` (an empty selector selects all). */
export function selects(selector: Labels | undefined, labels: Labels): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}

function containerPorts(workload: Workload): { name?: string; containerPort: number }[] {
  return workload.containers.flatMap((container: Container) => container.ports ?? []);
}

function portMatches(workload: Workload, port: number | string): boolean {
  return containerPorts(workload).some((p) =>
    typeof port === "number" ? p.containerPort === port : p.name === port,
  );
}

function serviceProblems(objects: readonly K8sObject[], workloads: Workload[]): string[] {
  return objects
    .filter((object) => object.kind === "Service")
    .flatMap((service) => {
      const backends = workloads.filter(
        (w) => w.kind !== "Pod" && selects(service.spec?.selector, w.labels),
      );
      if (backends.length === 0) return [`${named(service)}: its selector matches no pods`];
      return (service.spec?.ports ?? []).flatMap(
        (port: { name?: string; port: number; targetPort?: number | string }) => {
          const target = port.targetPort ?? port.port;
          return backends
            .filter((w) => !portMatches(w, target))
            .map(
              (w) =>
                `${named(service)}: targetPort ${target} is no container port of ${w.kind} ${w.name}`,
            );
        },
      );
    });
}

function probeProblems(workloads: Workload[]): string[] {
  return workloads.flatMap((w) =>
    w.containers.flatMap((container: Container) =>
      ["startupProbe", "readinessProbe", "livenessProbe"].flatMap((probe) => {
        const spec = container[probe];
        const port = spec?.grpc?.port ?? spec?.httpGet?.port ?? spec?.tcpSocket?.port;
        if (port === undefined || portMatches(w, port)) return [];
        return [`${w.kind} ${w.name}: ${probe} port ${port} is no container port`];
      }),
    ),
  );
}

function autoscalerProblems(objects: readonly K8sObject[], workloads: Workload[]): string[] {
  return objects
    .filter((object) => object.kind === "HorizontalPodAutoscaler")
    .flatMap((hpa) => {
      const target = hpa.spec?.scaleTargetRef ?? {};
      const workload = workloads.find((w) => w.kind === target.kind && w.name === target.name);
      if (!workload)
        return [`${named(hpa)}: targets ${target.kind} ${target.name}, which is not rendered`];
      return workload.containers
        .filter((container: Container) => !container.resources?.requests?.cpu)
        .map(
          (container: Container) =>
            `${named(hpa)}: container ${container.name} of ${workload.name} requests no CPU, so CPU utilisation is undefined`,
        );
    });
}

function disruptionBudgetProblems(objects: readonly K8sObject[], workloads: Workload[]): string[] {
  return objects
    .filter((object) => object.kind === "PodDisruptionBudget")
    .filter(
      (pdb) =>
        !workloads.some(
          (w) => w.kind !== "Pod" && selects(pdb.spec?.selector?.matchLabels, w.labels),
        ),
    )
    .map((pdb) => `${named(pdb)}: its selector matches no pods`);
}

/** `dns:///name.namespace.svc.cluster.local:port` targets in ConfigMaps must name headless Services. */
function grpcTargetProblems(objects: readonly K8sObject[]): string[] {
  const services = objects.filter((object) => object.kind === "Service");
  return objects
    .filter((object) => object.kind === "ConfigMap")
    .flatMap((configMap) =>
      Object.entries(configMap.data ?? {}).flatMap(([key, value]) => {
        const match = /^dns:\/\/\/([^.]+)\.[^:]+:(\d+)$/.exec(value);
        if (!value.startsWith("dns:")) return [];
        if (!match)
          return [
            `${named(configMap)}: ${key}=${value} is not dns:///<service>.<namespace>.svc…:<port>`,
          ];
        const [, name, port] = match;
        const service = services.find((s) => s.metadata?.name === name);
        if (!service)
          return [`${named(configMap)}: ${key} names Service ${name}, which is not rendered`];
        if (service.spec?.clusterIP !== "None") {
          return [
            `${named(configMap)}: ${key} names Service ${name}, which is not headless (one connection would pin one pod)`,
          ];
        }
        const ports = (service.spec?.ports ?? []).map((p: { port: number }) => p.port);
        return ports.includes(Number(port))
          ? []
          : [
              `${named(configMap)}: ${key} uses port ${port}, which Service ${name} does not expose`,
            ];
      }),
    );
}

function referenceProblems(
  objects: readonly K8sObject[],
  workloads: Workload[],
  externalSecrets: readonly string[],
): string[] {
  const keysOf = (kind: string, name: string): Set<string> | undefined => {
    const object = objects.find((o) => o.kind === kind && o.metadata?.name === name);
    return (
      object &&
      new Set([...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {})])
    );
  };
  const check = (where: string, kind: string, name: string, key?: string): string[] => {
    if (kind === "Secret" && externalSecrets.includes(name)) return [];
    const keys = keysOf(kind, name);
    if (!keys) return [`${where}: refers to ${kind} ${name}, which is not rendered`];
    if (key !== undefined && !keys.has(key))
      return [`${where}: refers to key ${key} of ${kind} ${name}, which it lacks`];
    return [];
  };
  return workloads.flatMap((w) => {
    const where = `${w.kind} ${w.name}`;
    const fromContainers = w.containers.flatMap((container: Container) => [
      ...(container.env ?? []).flatMap((env: Container) => {
        const secret = env.valueFrom?.secretKeyRef;
        const configMap = env.valueFrom?.configMapKeyRef;
        if (secret) return check(where, "Secret", secret.name, secret.key);
        if (configMap) return check(where, "ConfigMap", configMap.name, configMap.key);
        return [];
      }),
      ...(container.envFrom ?? []).flatMap((source: Container) =>
        source.configMapRef
          ? check(where, "ConfigMap", source.configMapRef.name)
          : source.secretRef
            ? check(where, "Secret", source.secretRef.name)
            : [],
      ),
    ]);
    const object = objects.find((o) => o.kind === w.kind && o.metadata?.name === w.name);
    const volumes =
      (w.kind === "Pod" ? object?.spec?.volumes : object?.spec?.template?.spec?.volumes) ?? [];
    const fromVolumes = volumes.flatMap((volume: Container) =>
      volume.configMap
        ? check(where, "ConfigMap", volume.configMap.name)
        : volume.secret
          ? check(where, "Secret", volume.secret.secretName)
          : [],
    );
    return [...fromContainers, ...fromVolumes];
  });
}

function imageProblems(workloads: Workload[]): string[] {
  return workloads.flatMap((w) =>
    w.containers
      .filter((container: Container) => {
        const image = String(container.image ?? "");
        if (/@sha256:[a-f0-9]{64}$/.test(image)) return false;
        const tag = /:([^:/]+)$/.exec(image)?.[1];
        return !tag || tag === "latest";
      })
      .map(
        (container: Container) =>
          `${w.kind} ${w.name}: image ${container.image} is not pinned by tag or digest`,
      ),
  );
}

// --- NetworkPolicies -----------------------------------------------------------------------

type Peer = { labels?: Labels; external?: boolean };
type Rule = {
  ports?: { port?: number; protocol?: string }[];
  from?: Container[];
  to?: Container[];
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
      peers.some((entry: Container) => {
        if (entry.ipBlock) return peer.external === true;
        if (peer.external) return false;
        // Same namespace unless a namespaceSelector widens it; {} matches every namespace.
        return selects(entry.podSelector?.matchLabels, peer.labels ?? {});
      });
    return portOk && peerOk;
  });
}

function networkPolicyProblems(objects: readonly K8sObject[], workloads: Workload[]): string[] {
  const policies = objects.filter((object) => object.kind === "NetworkPolicy");
  if (policies.length === 0) return [];
  const problems: string[] = [];
  const envOf = (w: Workload): Record<string, string> => {
    const fromConfigMaps = w.containers.flatMap((c: Container) =>
      (c.envFrom ?? []).map((s: Container) => s.configMapRef?.name),
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
