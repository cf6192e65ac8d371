import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { cpuPeerCgroup } from "../image/cpu-peer-cgroup.js";
import { startServiceContainer } from "../image/service-container.js";
import type { ServiceName } from "../local/mesh.js";
import type { ServiceProcess } from "../local/service-process.js";
import type { TrustDomain } from "../local/trust-domain.js";
import type { ChartConfig } from "./chart-config.js";
import { podVolumes } from "./pod-volumes.js";

/** Replicas as containers of the built image instead of processes (`make sim SIM_IMAGE=…`). */
export interface ContainerMode {
  /** `podman` or `docker`: an engine that answers. */
  readonly tool: string;
  readonly image: string;
  /** Where replicas' cgroups go, so each competes for CPU like a process (cpu-peer-cgroup.ts). */
  readonly cgroupParent?: string;
}

/** The container mode for `tool` and `image`, its replicas placed as CPU peers of processes. */
export async function containerMode(tool: string, image: string): Promise<ContainerMode> {
  const cgroupParent = await cpuPeerCgroup(tool);
  return { tool, image, ...(cgroupParent === undefined ? {} : { cgroupParent }) };
}

/** One replica. */
export interface ReplicaStart {
  readonly service: ServiceName;
  readonly ip: string;
  readonly address: string;
  /** The chart's environment plus the simulation's (no variable of the caller's). */
  readonly env: Readonly<Record<string, string>>;
  readonly trust: TrustDomain | "plaintext";
  readonly databaseUrl: string;
  readonly onOutput: (line: string) => void;
}

/**
 * Starts a replica as the kubelet would start the pod's container: the chart's command, user,
 * read-only root, dropped capabilities, emptyDir mounts, memory limit and the container's own
 * env, its Secret and ConfigMap volumes filled by the simulation (database URL, certificate and
 * policy: deploy/sim/pod-volumes.ts), with the host's network so that it binds its own loopback
 * address like a pod IP.
 */
export async function startReplicaContainer(
  mode: ContainerMode,
  config: ChartConfig,
  replica: ReplicaStart,
): Promise<ServiceProcess> {
  const chart = config.services[replica.service];
  const containerName = `shopmesh-sim-${process.pid}-${replica.service}-${replica.ip.replaceAll(".", "-")}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), `${containerName}-`));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    const pod = await podVolumes({
      service: replica.service,
      chartVolumes: chart.volumes(),
      chartEnv: chart.deploymentEnv(),
      env: replica.env,
      trust: replica.trust,
      databaseUrl: replica.databaseUrl,
      dir,
    });
    const container = await startServiceContainer({
      tool: mode.tool,
      image: mode.image,
      containerName,
      service: replica.service,
      address: replica.address,
      spec: { ...chart.container(), mounts: pod.mounts },
      env: pod.env,
      ...(mode.cgroupParent === undefined ? {} : { cgroupParent: mode.cgroupParent }),
      onOutput: replica.onOutput,
    });
    void container.exited.then(removeDir);
    return container;
  } catch (error) {
    await removeDir();
    throw error;
  }
}
