import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { OrderService } from "../gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import { type OperatorIdentity, operatorTlsOptions } from "./operator-identity.js";

/** Where the CLI finds each service. */
export interface MeshAddresses {
  readonly user: string;
  readonly product: string;
  readonly order: string;
}

/** Typed Connect clients of the three services, speaking the gRPC protocol over HTTP/2. */
export interface MeshClients {
  readonly users: Client<typeof UserService>;
  readonly products: Client<typeof ProductService>;
  readonly orders: Client<typeof OrderService>;
  /** The health service of each server. */
  readonly health: Readonly<Record<keyof MeshAddresses, Client<typeof Health>>>;
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
  const transport = (service: keyof MeshAddresses) =>
    identity === "plaintext"
      ? createGrpcTransport({ baseUrl: `http://${addresses[service]}`, interceptors })
      : createGrpcTransport({
          baseUrl: `https://${addresses[service]}`,
          interceptors,
          nodeOptions: operatorTlsOptions(identity, service),
        });
  const transports = {
    user: transport("user"),
    product: transport("product"),
    order: transport("order"),
  };
  return {
    users: createClient(UserService, transports.user),
    products: createClient(ProductService, transports.product),
    orders: createClient(OrderService, transports.order),
    health: {
      user: createClient(Health, transports.user),
      product: createClient(Health, transports.product),
      order: createClient(Health, transports.order),
    },
  };
}
