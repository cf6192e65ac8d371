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
