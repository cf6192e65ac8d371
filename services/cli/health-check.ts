import { create } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import {
  Health,
  type HealthListResponse,
  HealthListResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../gen/grpc/health/v1/health_pb.js";
import { type MeshService, perServer } from "./mesh-transports.js";
import { type MeshCommand, printable as out } from "./printable.js";

/** `shopmesh health`: {@link checkHealth} of the three servers. */
export const runHealthCommand: MeshCommand = async (transports, line) => {
  if (line.word(1) !== "") throw line.unknownCommand();
  return out(HealthListResponseSchema, await checkHealth(perServer(Health, transports)));
};

// Names a server reports besides "" and its services: components it works without (the event
// broker), shown as `service/component`. A full service name has dots; liveness is for probes.
const isComponent = (name: string) => name !== "" && name !== "liveness" && !name.includes(".");

/**
 * Asks each server for its overall health (what Kubernetes probes ask), and for the components
 * it reports (`order/events-broker` NOT_SERVING: degraded, still serving). Resolves with every
 * status when all three serve, degraded or not; rejects with UNAVAILABLE naming those that
 * don't. The Helm chart's `helm test` runs this.
 */
export async function checkHealth(
  servers: Readonly<Record<MeshService, Client<typeof Health>>>,
): Promise<HealthListResponse> {
  const entries = await Promise.all(
    Object.entries(servers).map(async ([name, health]) => {
      const status = await health.check({ service: "" }, { timeoutMs: 5_000 }).then(
        (response) => response.status,
        () => ServingStatus.UNKNOWN,
      );
      const components = await health.list({}, { timeoutMs: 5_000 }).then(
        (response) =>
          Object.entries(response.statuses)
            .filter(([component]) => isComponent(component))
            .map(([component, value]) => [`${name}/${component}`, value.status] as const),
        () => [],
      );
      return { overall: [name, status] as const, components };
    }),
  );
  const failing = entries
    .map((entry) => entry.overall)
    .filter(([, status]) => status !== ServingStatus.SERVING);
  if (failing.length > 0) {
    const list = failing.map(([name, status]) => `${name} ${ServingStatus[status]}`).join(", ");
    throw new ConnectError(`not serving: ${list}`, Code.Unavailable);
  }
  const all = entries.flatMap((entry) => [entry.overall, ...entry.components]);
  return create(HealthListResponseSchema, {
    statuses: Object.fromEntries(all.map(([name, status]) => [name, { status }])),
  });
}
