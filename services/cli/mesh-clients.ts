import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { OrderService } from "../gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";

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

/** Clients for the services at `addresses` (host:port, plaintext). */
export function meshClients(
  addresses: MeshAddresses,
  interceptors: Interceptor[] = [],
): MeshClients {
  const transport = (address: string) =>
    createGrpcTransport({ baseUrl: `http://${address}`, interceptors });
  return {
    users: createClient(UserService, transport(addresses.user)),
    products: createClient(ProductService, transport(addresses.product)),
    orders: createClient(OrderService, transport(addresses.order)),
    health: {
      user: createClient(Health, transport(addresses.user)),
      product: createClient(Health, transport(addresses.product)),
      order: createClient(Health, transport(addresses.order)),
    },
  };
}
