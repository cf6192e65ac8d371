import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { AdminService } from "../gen/shopmesh/admin/v1/admin_service_pb.js";
import { ReservationService } from "../gen/shopmesh/inventory/v1/reservation_service_pb.js";
import { OrderService } from "../gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import {
  type MeshAddresses,
  type MeshService,
  meshTransports,
  perServer,
} from "./mesh-transports.js";
import type { OperatorIdentity } from "./operator-identity.js";

// Where they were first defined, for the tests and tools that import them from here.
export {
  bearer,
  type MeshAddresses,
  type MeshService,
  meshAddresses,
} from "./mesh-transports.js";

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

/**
 * Clients of every service at `addresses` (see {@link meshTransports}), for programs that call
 * them all (`shopmesh load`, the tests). A single CLI command makes only the clients it calls:
 * each service's descriptors cost start-up time.
 */
export function meshClients(
  addresses: MeshAddresses,
  identity: OperatorIdentity | "plaintext",
  interceptors: Interceptor[] = [],
): MeshClients {
  const transports = meshTransports(addresses, identity, interceptors);
  return {
    users: createClient(UserService, transports.user),
    products: createClient(ProductService, transports.product),
    reservations: createClient(ReservationService, transports.product),
    orders: createClient(OrderService, transports.order),
    health: perServer(Health, transports),
    admin: perServer(AdminService, transports),
  };
}
