import { ReservationService } from "../gen/shopmesh/inventory/v1/reservation_service_pb.js";
import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import type { Downstream } from "../kit/index.js";
import type { OrderDependencies } from "./place-order.js";

/** Where the order service finds the services it calls, and who they must prove to be. */
export interface DependencyTargets {
  readonly userServiceTarget: string;
  readonly productServiceTarget: string;
  /** SPIFFE IDs the servers must present (required with mTLS). */
  readonly userServiceIdentity: string | undefined;
  readonly productServiceIdentity: string | undefined;
}

/** The order service's clients of the user and product services, with their call policies. */
export function connectDependencies(
  downstream: Downstream,
  targets: DependencyTargets,
): OrderDependencies {
  // Reads are safe to retry; ReserveStock and ReleaseStock are keyed by order id, so a repeat
  // changes nothing. Nothing else the order service calls may be sent twice.
  const users = downstream.connect(UserService, {
    dependency: "user service",
    target: targets.userServiceTarget,
    identity: targets.userServiceIdentity,
    methods: { getUser: { idempotent: true } },
  });
  const products = downstream.connect(ProductService, {
    dependency: "product service",
    target: targets.productServiceTarget,
    identity: targets.productServiceIdentity,
    methods: { batchGetProducts: { idempotent: true } },
  });
  // The product process serves the internal ReservationService too: same target, same identity,
  // same dependency name, so its breakers, retry budget and logs read as the product service's.
  const reservations = downstream.connect(ReservationService, {
    dependency: "product service",
    target: targets.productServiceTarget,
    identity: targets.productServiceIdentity,
    methods: {
      reserveStock: { idempotent: true },
      releaseStock: { idempotent: true },
    },
  });
  return { users, products, reservations };
}
