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
  };

/** The NODE_OPTIONS the chart gives `service`'s pods by default ("" for none). */
export function chartNodeOptions(service: ServiceName): string {
  return values().services[service].nodeOptions ?? "";
}

/** The memory request the chart gives `service` by default, in MiB. */
export function chartMemoryRequestMiB(service: ServiceName): number {
  const request = values().services[service].resources.requests.memory;
  const mebibytes = /^(\d+)Mi$/.exec(request)?.[1];
  if (!mebibytes) throw new Error(`memory request of ${service} is not in Mi: ${request}`);
  return Number(mebibytes);
}
