import type { ContainerSpec } from "../image/container-spec.js";

/** The fields of a rendered Deployment that say how its container runs. */
type Deployment = {
  spec?: {
    template?: {
      spec?: {
        securityContext?: { runAsUser?: number; runAsGroup?: number };
        containers?: {
          command?: string[];
          args?: string[];
          securityContext?: {
            readOnlyRootFilesystem?: boolean;
            allowPrivilegeEscalation?: boolean;
            runAsUser?: number;
            runAsGroup?: number;
            capabilities?: { drop?: string[] };
          };
          volumeMounts?: { name?: string; mountPath?: string }[];
          resources?: { limits?: { memory?: string } };
          env?: {
            name?: string;
            value?: string;
            valueFrom?: { configMapKeyRef?: { key?: string } };
          }[];
        }[];
        volumes?: {
          name?: string;
          emptyDir?: { sizeLimit?: string };
          secret?: { items?: { key?: string; path?: string }[] };
          configMap?: { items?: { key?: string; path?: string }[] };
        }[];
      };
    };
  };
};

const binaryUnits: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
const decimalUnits: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9 };

/** Bytes of a Kubernetes quantity such as `64Mi` or `500M`. */
export function quantityBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G|)$/.exec(quantity);
  const unit = match?.[2] ?? "";
  const factor = binaryUnits[unit] ?? decimalUnits[unit];
  if (!match || factor === undefined) throw new Error(`unsupported quantity ${quantity}`);
  return Math.round(Number(match[1]) * factor);
}

/** A Secret or ConfigMap volume of the pod: which of its keys land under which file names. */
export interface ProjectedVolume {
  readonly volume: string;
  readonly mountPath: string;
  readonly items: readonly { readonly key: string; readonly path: string }[];
}

/**
 * How the chart runs a service's container (command, user, read-only root, capabilities,
 * emptyDir mounts, memory limit), so the simulation's container mode runs it the same way.
 * Secret and ConfigMap volumes are left to `projectedVolumesOf` (their content comes from the
 * simulation); a volume of any other kind stops it with a message.
 */
export function containerSpecOf(deployment: unknown, name: string): ContainerSpec {
  const pod = (deployment as Deployment).spec?.template?.spec;
  const container = pod?.containers?.[0];
  const command = [...(container?.command ?? []), ...(container?.args ?? [])];
  if (!pod || !container || command.length === 0)
    throw new Error(`the chart's Deployment ${name} has no container command`);
  const security = container.securityContext ?? {};
  const uid = security.runAsUser ?? pod.securityContext?.runAsUser;
  const gid = security.runAsGroup ?? pod.securityContext?.runAsGroup;
  const tmpfs = (container.volumeMounts ?? []).flatMap((mount) => {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (volume?.secret || volume?.configMap) return [];
    if (!volume?.emptyDir || !mount.mountPath)
      throw new Error(
        `${name}: volume ${mount.name} is not an emptyDir, Secret or ConfigMap; the simulation's ` +
          "container mode mounts those only (deploy/sim/chart-container.ts)",
      );
    const sizeLimit = volume.emptyDir.sizeLimit;
    return sizeLimit === undefined
      ? { path: mount.mountPath }
      : { path: mount.mountPath, sizeBytes: quantityBytes(sizeLimit) };
  });
  const memory = container.resources?.limits?.memory;
  return {
    command,
    ...(uid === undefined ? {} : { user: gid === undefined ? `${uid}` : `${uid}:${gid}` }),
    readOnlyRootFilesystem: security.readOnlyRootFilesystem === true,
    dropAllCapabilities: security.capabilities?.drop?.includes("ALL") === true,
    noNewPrivileges: security.allowPrivilegeEscalation === false,
    tmpfs,
    ...(memory === undefined ? {} : { memoryLimitBytes: quantityBytes(memory) }),
  };
}

/** The pod's Secret and ConfigMap volumes as its container mounts them (items listed by the chart). */
export function projectedVolumesOf(deployment: unknown, name: string): ProjectedVolume[] {
  const pod = (deployment as Deployment).spec?.template?.spec;
  return (pod?.containers?.[0]?.volumeMounts ?? []).flatMap((mount) => {
    const volume = pod?.volumes?.find((v) => v.name === mount.name);
    const source = volume?.secret ?? volume?.configMap;
    if (!source) return [];
    const items = (source.items ?? []).map(({ key, path }) => ({
      key: key ?? "",
      path: path ?? "",
    }));
    if (
      !mount.name ||
      !mount.mountPath ||
      items.length === 0 ||
      items.some((i) => !i.key || !i.path)
    )
      throw new Error(`${name}: volume ${mount.name} lists no items; the simulation needs them`);
    return [{ volume: mount.name, mountPath: mount.mountPath, items }];
  });
}

/**
 * The container's own `env` entries (beside the ConfigMap): plain values, and keys of the
 * service's ConfigMap (`configMapData`). Other sources cannot be resolved without a cluster.
 */
export function deploymentEnvOf(
  deployment: unknown,
  name: string,
  configMapData: Readonly<Record<string, string>>,
): Record<string, string> {
  const container = (deployment as Deployment).spec?.template?.spec?.containers?.[0];
  const env: Record<string, string> = {};
  for (const entry of container?.env ?? []) {
    const fromConfigMap = entry.valueFrom?.configMapKeyRef?.key;
    const value =
      entry.value ?? (fromConfigMap === undefined ? undefined : configMapData[fromConfigMap]);
    if (!entry.name || value === undefined)
      throw new Error(`${name}: env ${entry.name} comes from a source the simulation cannot read`);
    env[entry.name] = value;
  }
  return env;
}
