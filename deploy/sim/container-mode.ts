import { startServiceContainer } from "../image/service-container.js";
import type { ServiceName } from "../local/mesh.js";
import type { ServiceProcess } from "../local/service-process.js";
import type { ChartConfig } from "./chart-config.js";

/** Replicas as containers of the built image instead of processes (`make sim SIM_IMAGE=…`). */
export interface ContainerMode {
  /** `podman` or `docker`: an engine that answers. */
  readonly tool: string;
  readonly image: string;
}

/** One replica. */
export interface ReplicaStart {
  readonly service: ServiceName;
  readonly ip: string;
  readonly address: string;
  /** The chart's environment plus the simulation's (no variable of the caller's). */
  readonly env: Readonly<Record<string, string>>;
  readonly onOutput: (line: string) => void;
}

/**
 * Starts a replica as the kubelet would start the pod's container: the chart's command, user,
 * read-only root, dropped capabilities, emptyDir mounts and memory limit, with the host's network
 * so that it binds its own loopback address like a pod IP.
 */
export function startReplicaContainer(
  mode: ContainerMode,
  config: ChartConfig,
  replica: ReplicaStart,
): Promise<ServiceProcess> {
  return startServiceContainer({
    tool: mode.tool,
    image: mode.image,
    containerName: `shopmesh-sim-${process.pid}-${replica.service}-${replica.ip.replaceAll(".", "-")}`,
    service: replica.service,
    address: replica.address,
    spec: config.services[replica.service].container(),
    env: replica.env,
    onOutput: replica.onOutput,
  });
}
