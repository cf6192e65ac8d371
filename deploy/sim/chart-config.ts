import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import type { ContainerSpec } from "../image/container-spec.js";
import { type ServiceName, serviceNames } from "../local/mesh.js";
import { repoRoot } from "../local/service-process.js";
import {
  containerSpecOf,
  deploymentEnvOf,
  type ProjectedVolume,
  projectedVolumesOf,
} from "./chart-container.js";

/** What the chart configures for each service, read from its rendered manifests. */
export interface ChartConfig {
  readonly namespace: string;
  readonly services: Readonly<
    Record<
      ServiceName,
      {
        /** The ConfigMap the Deployment's pods get as environment. */
        readonly env: Readonly<Record<string, string>>;
        readonly port: number;
        /** DNS name of the headless Service, e.g. shopmesh-user-headless.shop.svc.cluster.local. */
        readonly headlessName: string;
        /** How its Deployment runs the container; read on demand, by the container mode only. */
        readonly container: () => ContainerSpec;
        /** Its Secret and ConfigMap volumes (container mode: filled by the simulation). */
        readonly volumes: () => ProjectedVolume[];
        /** The container's `env` entries beside the ConfigMap (container mode). */
        readonly deploymentEnv: () => Record<string, string>;
      }
    >
  >;
  /** The pods' preStop sleep: how long a terminating pod serves after its endpoint goes. */
  readonly preStopSeconds: number;
  readonly terminationGracePeriodSeconds: number;
}

/** The few fields of rendered objects the simulation reads. */
type Manifest = {
  kind?: string;
  metadata?: { name?: string };
  data?: Record<string, string>;
  spec?: {
    ports?: { port?: number }[];
    template?: {
      spec?: {
        terminationGracePeriodSeconds?: number;
        containers?: { lifecycle?: { preStop?: { exec?: { command?: string[] } } } }[];
      };
    };
  };
};

/**
 * Renders helm/shopmesh with the real helm binary (`--set` overrides allowed) and extracts the
 * settings the simulation must share with a cluster, so the two cannot drift apart.
 */
export async function renderChartConfig(
  overrides: readonly string[] = [],
  namespace = "shop",
): Promise<ChartConfig> {
  const manifests = (await renderChart(overrides, namespace)) as Manifest[];
  const find = (kind: string, name: string): Manifest => {
    const manifest = manifests.find((m) => m.kind === kind && m.metadata?.name === name);
    if (!manifest) throw new Error(`the chart renders no ${kind} ${name}`);
    return manifest;
  };
  const services = Object.fromEntries(
    serviceNames.map((name) => {
      const headless = find("Service", `shopmesh-${name}-headless`);
      const env = find("ConfigMap", `shopmesh-${name}`).data ?? {};
      const deployment = () => find("Deployment", `shopmesh-${name}`);
      return [
        name,
        {
          env,
          port: Number(headless.spec?.ports?.[0]?.port),
          headlessName: `shopmesh-${name}-headless.${namespace}.svc.cluster.local`,
          container: () => containerSpecOf(deployment(), name),
          volumes: () => projectedVolumesOf(deployment(), name),
          deploymentEnv: () => deploymentEnvOf(deployment(), name, env),
        },
      ];
    }),
  ) as ChartConfig["services"];
  const pod = find("Deployment", "shopmesh-order").spec?.template?.spec;
  // The chart's preStop is `sleep <seconds>`.
  const preStop = pod?.containers?.[0]?.lifecycle?.preStop?.exec?.command ?? [];
  const config = {
    namespace,
    services,
    preStopSeconds: Number(preStop.at(-1)),
    terminationGracePeriodSeconds: Number(pod?.terminationGracePeriodSeconds),
  };
  const numbers = [config.preStopSeconds, config.terminationGracePeriodSeconds];
  for (const service of Object.values(services)) numbers.push(service.port);
  if (numbers.some(Number.isNaN))
    throw new Error("the chart's objects no longer have the expected shape");
  return config;
}

/** Every object `helm template` renders from helm/shopmesh (`--set` overrides allowed). */
export async function renderChart(
  overrides: readonly string[] = [],
  namespace = "shop",
): Promise<unknown[]> {
  const helm = path.join(repoRoot, ".tools/bin/helm");
  const args = ["template", "shopmesh", path.join(repoRoot, "helm/shopmesh"), "-n", namespace];
  // The chart requires the bundled database's password; the simulation runs its own database.
  args.push("--set", "postgresql.password=simulation-only");
  for (const override of overrides) args.push("--set", override);
  const { stdout } = await promisify(execFile)(helm, args, { maxBuffer: 16 << 20 });
  return parseAllDocuments(stdout)
    .map((document) => document.toJS() as unknown)
    .filter((manifest) => manifest !== null);
}
