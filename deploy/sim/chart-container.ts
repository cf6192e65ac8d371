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
        }[];
        volumes?: { name?: string; emptyDir?: { sizeLimit?: string } }[];
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

/**
 * How the chart runs a service's container (command, user, read-only root, capabilities,
 * emptyDir mounts, memory limit), so the simulation's container mode runs it the same way.
 * A volume of another kind stops it with a message: it cannot be mounted without a source.
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
  const tmpfs = (container.volumeMounts ?? []).map((mount) => {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (!volume?.emptyDir || !mount.mountPath)
      throw new Error(
        `${name}: volume ${mount.name} is not an emptyDir; the simulation's container mode ` +
          "mounts emptyDir volumes only (deploy/sim/chart-container.ts)",
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
