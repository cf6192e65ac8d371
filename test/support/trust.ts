import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { ServiceName } from "../../deploy/local/mesh.js";
import {
  ensureTrustDomain,
  type TrustDomain,
  type Workload,
} from "../../deploy/local/trust-domain.js";
import { checkServerIdentity } from "../../services/kit/trust/index.js";

/** Where and how a grpc-js client dials one server of a test mesh. */
export interface Dial {
  readonly target: string;
  readonly credentials: grpc.ChannelCredentials;
  readonly channelOptions: grpc.ChannelOptions;
}

/** A throwaway trust domain in a temporary folder, as `make run` makes one. */
export async function temporaryTrustDomain(
  leafLifetimeMs?: number,
): Promise<TrustDomain & { remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-trust-"));
  const domain = await ensureTrustDomain({ dir, ...(leafLifetimeMs ? { leafLifetimeMs } : {}) });
  return { ...domain, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * grpc-js credentials of `workload` (its certificate as it is on disk now) for dialling
 * `server`, whose SPIFFE ID is checked; plus the channel option naming it for TLS.
 */
export function credentialsOf(
  domain: TrustDomain,
  workload: Workload,
  server: ServiceName,
): { credentials: grpc.ChannelCredentials; channelOptions: grpc.ChannelOptions } {
  const expected = domain.identities[server];
  return {
    credentials: grpc.credentials.createSsl(
      readFileSync(domain.caFile),
      readFileSync(domain.keyFile(workload)),
      readFileSync(domain.certFile(workload)),
      { checkServerIdentity: (_host, certificate) => checkServerIdentity(certificate, expected) },
    ),
    channelOptions: { "grpc.ssl_target_name_override": server },
  };
}
