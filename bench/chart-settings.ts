import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import type { serviceNames } from "../deploy/local/mesh.js";
import { repoRoot } from "../deploy/local/service-process.js";

// What the chart's defaults (helm/shopmesh/values.yaml) give each mesh service, so that the
// bench runs the services as the chart does and judges memory against the chart's request.

type ServiceName = (typeof serviceNames)[number];
interface ServiceValues {
  readonly nodeOptions?: string;
  readonly resources: { readonly requests: { readonly memory: string } };
}

const values = () =>
  parse(readFileSync(path.join(repoRoot, "helm/shopmesh/values.yaml"), "utf8")) as {
    services: Record<ServiceName, ServiceValues>;
    edge: ServiceValues;
  };

const workloadValues = (workload: ServiceName | "edge") =>
  workload === "edge" ? values().edge : values().services[workload];

/** The NODE_OPTIONS the chart gives `workload`'s pods by default ("" for none). */
export function chartNodeOptions(workload: ServiceName | "edge"): string {
  return workloadValues(workload).nodeOptions ?? "";
}

/** The memory request the chart gives `workload` by default, in MiB. */
export function chartMemoryRequestMiB(workload: ServiceName | "edge"): number {
  const request = workloadValues(workload).resources.requests.memory;
  const mebibytes = /^(\d+)Mi$/.exec(request)?.[1];
  if (!mebibytes) throw new Error(`memory request of ${workload} is not in Mi: ${request}`);
  return Number(mebibytes);
}
