import { execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { forwardLines, type ServiceProcess, waitUntilServing } from "../local/service-process.js";
import type { ContainerSpec } from "./container-spec.js";

/** A service running as a container of the image, controlled like a process. */
export interface ServiceContainer extends ServiceProcess {
  /** The engine's name for it (`podman inspect NAME`). */
  readonly containerName: string;
}

/** How to run one service from the image. */
export interface ServiceContainerOptions {
  /** `podman` or `docker` (a working engine; see deploy/image/container-tool.sh). */
  readonly tool: string;
  readonly image: string;
  readonly containerName: string;
  /** user, product or order: for messages. */
  readonly service: string;
  /** host:port its health check answers on (it shares the host's network). */
  readonly address: string;
  readonly spec: ContainerSpec;
  /** The container's whole environment: nothing of the caller's leaks in. */
  readonly env: Readonly<Record<string, string>>;
  /** `--cgroup-parent` (see cpu-peer-cgroup.ts); unset: the engine's default parent. */
  readonly cgroupParent?: string;
  readonly onOutput?: (line: string) => void;
}

const run = promisify(execFile);

/**
 * Starts the container in the foreground of an engine client (`podman run --rm`, its output
 * streamed) on the host's network, so it binds the address it is told like a pod on its pod
 * IP, and waits until its gRPC health check answers SERVING.
 */
export async function startServiceContainer(
  options: ServiceContainerOptions,
): Promise<ServiceContainer> {
  const { tool, spec, containerName } = options;
  const args = ["run", "--rm", "--name", containerName, "--network", "host", "--sig-proxy=false"];
  args.push("--label", "io.shopmesh.container=service");
  if (options.cgroupParent !== undefined) args.push("--cgroup-parent", options.cgroupParent);
  if (spec.user) args.push("--user", spec.user);
  if (spec.readOnlyRootFilesystem) {
    args.push("--read-only");
    // podman otherwise mounts writable tmpfs on /tmp, /var/tmp and /run: Kubernetes does not.
    if (isPodman(tool)) args.push("--read-only-tmpfs=false");
  }
  if (spec.dropAllCapabilities) args.push("--cap-drop", "ALL");
  if (spec.noNewPrivileges) args.push("--security-opt", "no-new-privileges");
  for (const mount of spec.tmpfs) {
    // An emptyDir: empty, writable by the pod's user, gone with the container.
    const size = mount.sizeBytes === undefined ? "" : `,size=${mount.sizeBytes}`;
    args.push("--tmpfs", `${mount.path}:rw,nosuid,nodev,mode=1777${size}`);
  }
  for (const mount of spec.mounts ?? []) {
    args.push("--volume", `${mount.hostPath}:${mount.containerPath}:ro`);
  }
  if (spec.memoryLimitBytes !== undefined) args.push("--memory", String(spec.memoryLimitBytes));
  // Only the names go on the command line; the values come from the client's environment, so
  // database passwords do not show in `ps`.
  for (const key of Object.keys(options.env)) args.push("--env", key);
  args.push(options.image, ...spec.command);

  const child = spawn(tool, args, {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, as a service process has: a Ctrl-C of `make sim` must reach the
    // runner alone, which stops the replicas in order. Reaching the engine clients, it ended
    // them and left their containers running (seen: four after a Ctrl-C).
    detached: true,
  });
  forwardLines(child, (line) => options.onOutput?.(line));
  // The client exits with the container's code; 128+n means signal n, reported as null like a
  // process killed by a signal.
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code !== null && code > 128 ? null : code)),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    // The signal goes to the container's PID 1 (node), as the kubelet sends it.
    if (!done) await run(tool, ["kill", "--signal", signal, containerName]).catch(() => undefined);
    return exited;
  };
  try {
    await waitUntilServing(options.service, options.address, exited);
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  }
  return { child, exited, stop, containerName };
}

/** The host PID of the container's first process (node), to look at it from outside. */
export async function containerPid(tool: string, containerName: string): Promise<number> {
  const { stdout } = await run(tool, ["inspect", "--format", "{{.State.Pid}}", containerName]);
  return Number(stdout.trim());
}

/** The real user id of a host process, from /proc (what the kernel enforces, not a label). */
export async function processUid(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
  if (uid === undefined) throw new Error(`no Uid line in /proc/${pid}/status`);
  return Number(uid);
}

const isPodman = (tool: string) => tool.split("/").at(-1)?.startsWith("podman") ?? false;
