import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { type OperatorIdentity, operatorTlsOptions } from "./operator-identity.js";
import { guardedSessionManager, retryRefusedStreams } from "./refused-streams.js";

/** Where the CLI finds each service. */
export interface MeshAddresses {
  readonly user: string;
  readonly product: string;
  readonly order: string;
}

/** One of the services, as the CLI's `--service` names it. */
export type MeshService = keyof MeshAddresses;

/** One gRPC transport per server; a command makes clients of the services it calls on them. */
export type MeshTransports = Readonly<Record<MeshService, Transport>>;

/** The addresses from the command line's flags, else SHOPMESH_*_ADDRESS, else `make run`'s. */
export function meshAddresses(
  flags: { "user-address"?: string; "product-address"?: string; "order-address"?: string },
  env: NodeJS.ProcessEnv = process.env,
): MeshAddresses {
  return {
    user: flags["user-address"] ?? env.SHOPMESH_USER_ADDRESS ?? "localhost:50051",
    product: flags["product-address"] ?? env.SHOPMESH_PRODUCT_ADDRESS ?? "localhost:50052",
    order: flags["order-address"] ?? env.SHOPMESH_ORDER_ADDRESS ?? "localhost:50053",
  };
}

/** Sends `authorization: Bearer <token>` with every call (the edge signs the caller in). */
export function bearer(token: string): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
}

/**
 * Transports to the servers at `addresses` (host:port): mTLS with the operator's certificate,
 * each server checked for its own SPIFFE ID; plaintext when `identity` is "plaintext". Nothing
 * connects before a call: a server no call goes to is never dialled.
 */
export function meshTransports(
  addresses: MeshAddresses,
  identity: OperatorIdentity | "plaintext",
  interceptors: Interceptor[] = [],
): MeshTransports {
  // One transport (one HTTP/2 connection) per server, shared by every client of that server;
  // per service, not per address, because each server is checked for its own SPIFFE ID.
  // Refused streams go again innermost, so the caller's interceptors see one call.
  const chain = [...interceptors, retryRefusedStreams];
  const transport = (service: MeshService): Transport => {
    const plaintext = identity === "plaintext";
    const baseUrl = `${plaintext ? "http" : "https"}://${addresses[service]}`;
    const nodeOptions = plaintext ? undefined : operatorTlsOptions(identity, service);
    return createGrpcTransport({
      baseUrl,
      interceptors: chain,
      sessionManager: guardedSessionManager(baseUrl, nodeOptions),
    });
  };
  return { user: transport("user"), product: transport("product"), order: transport("order") };
}

/** A client of `service` (one every server has: health, admin) on each of the three servers. */
export function perServer<S extends DescService>(
  service: S,
  transports: MeshTransports,
): Readonly<Record<MeshService, Client<S>>> {
  return {
    user: createClient(service, transports.user),
    product: createClient(service, transports.product),
    order: createClient(service, transports.order),
  };
}
