import { chmod, copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ServiceName } from "../local/mesh.js";
import type { TrustDomain } from "../local/trust-domain.js";
import type { ProjectedVolume } from "./chart-container.js";

// THE place where the container mode decides what a pod's Secret and ConfigMap volumes hold and
// where they are mounted. The chart's volumes come first (read from its rendered Deployment);
// while the chart runs the services in plaintext it renders no certificate volumes, so the
// simulation adds its own at the paths the chart's trust templates use (`tls`, `authz`). Once the
// chart mounts them itself, its mount paths are used and these stand-ins drop out.
const standInTrustVolumes: readonly ProjectedVolume[] = [
  {
    volume: "tls",
    mountPath: "/etc/shopmesh/tls",
    items: ["tls.crt", "tls.key", "ca.crt"].map((key) => ({ key, path: key })),
  },
  {
    volume: "authz",
    mountPath: "/etc/shopmesh/authz",
    items: [{ key: "policy.json", path: "policy.json" }],
  },
];

/** A pod's files: folders to mount read-only, and its environment as the container sees it. */
export interface PodVolumes {
  readonly mounts: readonly { readonly hostPath: string; readonly containerPath: string }[];
  readonly env: Record<string, string>;
}

/**
 * Writes each volume's files into `dir/<volume>/` (readable by the pod's non-root user, as the
 * chart's defaultMode and fsGroup make them) from the simulation's sources: the service's
 * database URL, the order service's page token key (`env.PAGE_TOKEN_KEY`) and its certificate,
 * key, CA and policy in `trust`. `env` is the replica's environment with host paths of those
 * files turned into the container's paths; DATABASE_URL and PAGE_TOKEN_KEY are dropped when the
 * chart's container reads them from files instead.
 */
export async function podVolumes(options: {
  readonly service: ServiceName;
  readonly chartVolumes: readonly ProjectedVolume[];
  /** The container's own env entries from the chart (DATABASE_URL_FILE, TLS_KEY_FILE, …). */
  readonly chartEnv: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly trust: TrustDomain | "plaintext";
  readonly databaseUrl: string;
  readonly dir: string;
}): Promise<PodVolumes> {
  const { service, trust } = options;
  const sources = new Map<string, { file: string } | { text: string }>([
    [`${service.toUpperCase()}_DATABASE_URL`, { text: options.databaseUrl }],
  ]);
  if (options.env.PAGE_TOKEN_KEY)
    sources.set("PAGE_TOKEN_KEY", { text: options.env.PAGE_TOKEN_KEY });
  if (trust !== "plaintext") {
    sources.set("tls.crt", { file: trust.certFile(service) });
    sources.set("tls.key", { file: trust.keyFile(service) });
    sources.set("ca.crt", { file: trust.caFile });
    sources.set("policy.json", { file: trust.policyFile(service) });
  }
  // The bundled NATS's password of this service (its key is the service's name). The simulation
  // runs no broker, so any text does: the service reports the broker degraded, as without one.
  sources.set(service, { text: "the-simulation-runs-no-broker" });
  const has = (key: string) => options.chartVolumes.some((v) => v.items.some((i) => i.key === key));
  const volumes = [
    ...options.chartVolumes,
    ...(trust === "plaintext"
      ? []
      : standInTrustVolumes.filter((v) => !v.items.some((item) => has(item.key)))),
  ];
  const mounts: { hostPath: string; containerPath: string }[] = [];
  const renamed = new Map<string, string>(); // host file → its path in the container
  for (const volume of volumes) {
    const folder = path.join(options.dir, volume.volume);
    await mkdir(folder, { recursive: true, mode: 0o755 });
    for (const item of volume.items) {
      const source = sources.get(item.key);
      if (!source)
        throw new Error(
          `${service}: no simulated content for key ${item.key} of volume ${volume.volume}`,
        );
      const target = path.join(folder, item.path);
      if ("file" in source) {
        await copyFile(source.file, target);
        renamed.set(source.file, path.posix.join(volume.mountPath, item.path));
      } else await writeFile(target, source.text);
      await chmod(target, 0o444);
    }
    mounts.push({ hostPath: folder, containerPath: volume.mountPath });
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env)) env[key] = renamed.get(value) ?? value;
  if (options.chartEnv.DATABASE_URL_FILE !== undefined) delete env.DATABASE_URL;
  if (options.chartEnv.PAGE_TOKEN_KEY_FILE !== undefined) delete env.PAGE_TOKEN_KEY;
  return { mounts, env: { ...env, ...options.chartEnv } };
}
