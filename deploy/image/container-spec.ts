/** How a service's container runs: what a pod spec says, in the terms a container engine takes. */
export interface ContainerSpec {
  /** The command (Kubernetes `command` + `args`), run from the image's WORKDIR. */
  readonly command: readonly string[];
  /** `uid:gid` (runAsUser:runAsGroup); unset runs the image's own USER. */
  readonly user?: string;
  readonly readOnlyRootFilesystem: boolean;
  /** capabilities.drop: ["ALL"] */
  readonly dropAllCapabilities: boolean;
  /** allowPrivilegeEscalation: false */
  readonly noNewPrivileges: boolean;
  /** emptyDir volumes: writable, empty at start. */
  readonly tmpfs: readonly { readonly path: string; readonly sizeBytes?: number }[];
  readonly memoryLimitBytes?: number;
  /** Host folders mounted read-only (a pod's Secret and ConfigMap volumes). */
  readonly mounts?: readonly { readonly hostPath: string; readonly containerPath: string }[];
}
