import {
  type Container,
  type K8sObject,
  selects,
  type Workload,
  workloadsOf,
} from "./manifests.js";
import { networkPolicyProblems } from "./network-policy-reachability.js";

export type { K8sObject };

// Checks across rendered objects that no schema can see: that names, labels and ports which
// must agree between objects do agree. Each problem is a sentence naming the objects involved.

/** What a set of manifests may refer to without rendering it, and where it is installed. */
export interface CrossReferenceOptions {
  /** Objects made outside the chart, as "Kind name" (e.g. "Secret shopmesh-database-urls"). */
  readonly external?: readonly string[];
  /** The namespace every object must name (`helm template --namespace`); default "shop". */
  readonly namespace?: string;
  /** Where an external database is, for the NetworkPolicy checks. */
  readonly externalDatabase?: { ip: string; port: number };
  /** Where an external event broker (NATS) is, for the NetworkPolicy checks. */
  readonly externalBroker?: { ip: string; port: number };
}

/** Every cross-reference problem of a set of manifests (empty when they all agree). */
export function crossReferenceProblems(
  objects: readonly K8sObject[],
  options: CrossReferenceOptions = {},
): string[] {
  const workloads = workloadsOf(objects);
  const external = options.external ?? [];
  return [
    ...namespaceProblems(objects, options.namespace ?? "shop"),
    ...serviceAccountProblems(objects, workloads, external),
    ...serviceProblems(objects, workloads),
    ...probeProblems(workloads),
    ...autoscalerProblems(objects, workloads),
    ...disruptionBudgetProblems(objects, workloads),
    ...grpcTargetProblems(objects),
    ...referenceProblems(objects, workloads, external),
    ...imageProblems(workloads),
    ...networkPolicyProblems(objects, workloads, {
      ...(options.externalDatabase ? { externalDatabase: options.externalDatabase } : {}),
      ...(options.externalBroker ? { externalBroker: options.externalBroker } : {}),
    }),
  ];
}

const named = (object: K8sObject) => `${object.kind} ${object.metadata?.name}`;

/** Every object names the release's namespace, so that `kubectl apply` of the output lands right. */
function namespaceProblems(objects: readonly K8sObject[], namespace: string): string[] {
  return objects
    .filter((object) => object.metadata?.namespace !== namespace)
    .map((object) => `${named(object)}: metadata.namespace is not ${namespace}`);
}

function serviceAccountProblems(
  objects: readonly K8sObject[],
  workloads: Workload[],
  external: readonly string[],
): string[] {
  return workloads.flatMap((w) => {
    const account = w.pod.serviceAccountName ?? "default";
    const rendered = objects.some(
      (o) => o.kind === "ServiceAccount" && o.metadata?.name === account,
    );
    if (rendered || account === "default" || external.includes(`ServiceAccount ${account}`))
      return [];
    return [`${w.kind} ${w.name}: runs as ServiceAccount ${account}, which is not rendered`];
  });
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
  external: readonly string[],
): string[] {
  const issued = issuedSecrets(objects);
  const keysOf = (kind: string, name: string): Set<string> | undefined => {
    const object = objects.find((o) => o.kind === kind && o.metadata?.name === name);
    if (!object && kind === "Secret") return issued.get(name);
    // Kubernetes publishes the API server's CA in every namespace (1.20+).
    if (!object && kind === "ConfigMap" && name === "kube-root-ca.crt") return new Set(["ca.crt"]);
    return (
      object &&
      new Set([...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {})])
    );
  };
  const check = (where: string, kind: string, name: string, keys: string[] = []): string[] => {
    if (external.includes(`${kind} ${name}`)) return [];
    const present = keysOf(kind, name);
    if (!present) return [`${where}: refers to ${kind} ${name}, which is not rendered`];
    return keys
      .filter((key) => !present.has(key))
      .map((key) => `${where}: refers to key ${key} of ${kind} ${name}, which it lacks`);
  };
  return workloads.flatMap((w) => {
    const where = `${w.kind} ${w.name}`;
    const fromContainers = w.containers.flatMap((container: Container) => [
      ...(container.env ?? []).flatMap((env: Container) => {
        const secret = env.valueFrom?.secretKeyRef;
        const configMap = env.valueFrom?.configMapKeyRef;
        if (secret) return check(where, "Secret", secret.name, [secret.key]);
        if (configMap) return check(where, "ConfigMap", configMap.name, [configMap.key]);
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
    const itemKeys = (source: Container): string[] =>
      (source.items ?? []).map((item: { key: string }) => item.key);
    const sourcesOf = (volume: Container): Container[] => [
      volume,
      ...(volume.projected?.sources ?? []).map((source: Container) => ({
        configMap: source.configMap,
        secret: source.secret && { ...source.secret, secretName: source.secret.name },
      })),
    ];
    const fromVolumes = (w.pod.volumes ?? [])
      .flatMap(sourcesOf)
      .flatMap((volume: Container) =>
        volume.configMap
          ? check(where, "ConfigMap", volume.configMap.name, itemKeys(volume.configMap))
          : volume.secret
            ? check(where, "Secret", volume.secret.secretName, itemKeys(volume.secret))
            : [],
      );
    const mounted = new Set([
      ...(w.pod.volumes ?? []).map((volume: Container) => volume.name),
      ...w.claims,
    ]);
    const fromMounts = w.containers.flatMap((container: Container) =>
      (container.volumeMounts ?? [])
        .filter((mount: { name: string }) => !mounted.has(mount.name))
        .map((mount: { name: string }) => `${where}: mounts volume ${mount.name}, which it lacks`),
    );
    return [...fromContainers, ...fromVolumes, ...fromMounts];
  });
}

/**
 * Secrets the chart does not render but has made: by cert-manager (a Certificate's secretName)
 * or by the certificate Job (its plan's leaves and CA); all hold tls.crt, tls.key and ca.crt.
 */
function issuedSecrets(objects: readonly K8sObject[]): Map<string, Set<string>> {
  const keys = () => new Set(["tls.crt", "tls.key", "ca.crt"]);
  const issued = new Map<string, Set<string>>();
  for (const object of objects) {
    if (object.kind === "Certificate") issued.set(object.spec?.secretName, keys());
    if (object.kind !== "Job") continue;
    for (const container of object.spec?.template?.spec?.containers ?? []) {
      const plan = (container.env ?? []).find((e: Container) => e.name === "TRUST_ISSUE_PLAN");
      if (!plan?.value) continue;
      const parsed = JSON.parse(plan.value) as { caSecret: string; leaves: { secret: string }[] };
      for (const name of [parsed.caSecret, ...parsed.leaves.map((leaf) => leaf.secret)])
        issued.set(name, keys());
    }
  }
  return issued;
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
