import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { AdminService } from "../gen/shopmesh/admin/v1/admin_service_pb.js";
import { ReservationService } from "../gen/shopmesh/inventory/v1/reservation_service_pb.js";
import { OrderService } from "../gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
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

/** Typed Connect clients of the three services, speaking the gRPC protocol over HTTP/2. */
export interface MeshClients {
  readonly users: Client<typeof UserService>;
  readonly products: Client<typeof ProductService>;
  /** The product process's internal ReservationService (its policy admits the order service only). */
  readonly reservations: Client<typeof ReservationService>;
  readonly orders: Client<typeof OrderService>;
  /** The health service of each server. */
  readonly health: Readonly<Record<MeshService, Client<typeof Health>>>;
  /** The admin service of each server (breakers, fault rules). */
  readonly admin: Readonly<Record<MeshService, Client<typeof AdminService>>>;
}

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
 * Clients for the services at `addresses` (host:port): mTLS with the operator's certificate,
 * each server checked for its own SPIFFE ID; plaintext when `identity` is "plaintext".
 */
export function meshClients(
  addresses: MeshAddresses,
  identity: OperatorIdentity | "plaintext",
  interceptors: Interceptor[] = [],
): MeshClients {
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
  const transports = {
    user: transport("user"),
    product: transport("product"),
    order: transport("order"),
  };
  const perService = <S extends typeof Health | typeof AdminService>(service: S) => ({
    user: createClient(service, transports.user),
    product: createClient(service, transports.product),
    order: createClient(service, transports.order),
  });
  return {
    users: createClient(UserService, transports.user),
    products: createClient(ProductService, transports.product),
    reservations: createClient(ReservationService, transports.product),
    orders: createClient(OrderService, transports.order),
    health: perService(Health),
    admin: perService(AdminService),
  };
}
