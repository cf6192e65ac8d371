import { OrderService } from "../gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import type { Downstream } from "../kit/index.js";

/** The internal services behind the edge, each with the methods the public API needs. */
export function connectDependencies(
  downstream: Downstream,
  targets: Readonly<Record<"user" | "product" | "order", string>>,
  identities: Readonly<Record<"user" | "product" | "order", string | undefined>>,
) {
  // Reads are safe to retry; so are CreateOrder and AdjustStock (keyed by request_id) and
  // CancelOrder (a second cancel changes nothing). Creates (their request_id is optional) and
  // updates (their etag is too) are never resent by the edge.
  return {
    users: downstream.connect(UserService, {
      dependency: "user service",
      target: targets.user,
      identity: identities.user,
      methods: {
        createUser: {},
        updateUser: {},
        getUser: { idempotent: true },
        getCurrentUser: { idempotent: true },
        listUsers: { idempotent: true },
      },
    }),
    products: downstream.connect(ProductService, {
      dependency: "product service",
      target: targets.product,
      identity: identities.product,
      methods: {
        createProduct: {},
        updateProduct: {},
        adjustStock: { idempotent: true },
        getProduct: { idempotent: true },
        listProducts: { idempotent: true },
      },
    }),
    orders: downstream.connect(OrderService, {
      dependency: "order service",
      target: targets.order,
      identity: identities.order,
      methods: {
        createOrder: { idempotent: true },
        getOrder: { idempotent: true },
        listOrders: { idempotent: true },
        cancelOrder: { idempotent: true },
      },
    }),
  };
}

/** The clients of {@link connectDependencies}. */
export type EdgeDependencies = ReturnType<typeof connectDependencies>;
