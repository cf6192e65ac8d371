import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

// Why this exists (measured on the project's 2-core VM, cgroup v1, podman with cgroupfs): podman
// puts every container in one parent cgroup, `libpod_parent`, whose CPU weight (cpu.shares 1024)
// is that of a single task of the host's root cgroup. On a busy host all the containers together
// then get what one host process gets: three CPU-bound containers ran 2.5x slower than a host
// process beside them (14.6-15.9 s against 6.5 s), five replicas and a test client starved so
// far that orders came at 3/s and starts took 30 s. Started in the cgroup the caller's own
// processes are in, each container competes like one more process (8.1-8.5 s against 8.6 s).

/** The engine's cgroup manager: only with `cgroupfs` is a parent a plain cgroup path. */
async function cgroupManager(tool: string): Promise<string> {
  const format = isDocker(tool) ? "{{.CgroupDriver}}" : "{{.Host.CgroupManager}}";
  const { stdout } = await promisify(execFile)(tool, ["info", "--format", format]);
  return stdout.trim();
}

/**
 * The cgroup of the CPU controller this process runs in, as `/proc/self/cgroup` names it, where
 * a container can be placed beside it: cgroup v1's `cpu` hierarchy (any path), or the cgroup v2
 * root (below it, a cgroup holding processes cannot have child cgroups with controllers).
 */
export function cpuCgroupOf(procSelfCgroup: string): string | undefined {
  const lines = procSelfCgroup.split("\n").map((line) => line.split(":"));
  const v1 = lines.find(([, controllers]) => controllers?.split(",").includes("cpu"));
  if (v1) return v1.slice(2).join(":");
  const v2 = lines.find(([id, controllers]) => id === "0" && controllers === "");
  return v2?.slice(2).join(":") === "/" ? "/" : undefined;
}

/**
 * `--cgroup-parent` for containers that must compete for CPU like the caller's processes (the
 * simulation's replicas, beside its processes), or undefined where the engine's default must
 * stay (a systemd cgroup manager takes slices, not paths; a cgroup v2 below the root).
 */
export async function cpuPeerCgroup(tool: string): Promise<string | undefined> {
  if ((await cgroupManager(tool)) !== "cgroupfs") return undefined;
  return cpuCgroupOf(await readFile("/proc/self/cgroup", "utf8"));
}

const isDocker = (tool: string) => tool.split("/").at(-1)?.startsWith("docker") ?? false;
