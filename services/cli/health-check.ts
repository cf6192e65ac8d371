import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type HealthListResponse,
  HealthListResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../gen/grpc/health/v1/health_pb.js";
import type { MeshClients } from "./mesh-clients.js";

/**
 * Asks each server for its overall health (what Kubernetes probes ask). Resolves with every
 * status when all three serve; rejects with UNAVAILABLE naming those that don't. The Helm
 * chart's `helm test` runs this.
 */
export async function checkHealth(clients: MeshClients): Promise<HealthListResponse> {
  const entries = await Promise.all(
    Object.entries(clients.health).map(async ([name, health]) => {
      const status = await health.check({ service: "" }, { timeoutMs: 5_000 }).then(
        (response) => response.status,
        () => ServingStatus.UNKNOWN,
      );
      return [name, status] as const;
    }),
  );
  const failing = entries.filter(([, status]) => status !== ServingStatus.SERVING);
  if (failing.length > 0) {
    const list = failing.map(([name, status]) => `${name} ${ServingStatus[status]}`).join(", ");
    throw new ConnectError(`not serving: ${list}`, Code.Unavailable);
  }
  return create(HealthListResponseSchema, {
    statuses: Object.fromEntries(entries.map(([name, status]) => [name, { status }])),
  });
}
