import { OrderService } from "../gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import { type ExposedService, expose } from "../kit/index.js";
import type { EdgeDependencies } from "./dependencies.js";
import type { Profiles } from "./profiles.js";

/**
 * The public API: each method forwards to the internal service with the caller's identity, which
 * decides what this user may see and do. The internal ReservationService, the deprecated
 * ProductService ReserveStock/ReleaseStock and BatchGetProducts are not here, so from outside
 * they do not exist (UNIMPLEMENTED).
 */
export function edgeServices(deps: EdgeDependencies, profiles: Profiles): ExposedService[] {
  const { users, products, orders } = deps;
  const as = (context: Parameters<Profiles["callOptions"]>[0]) => profiles.callOptions(context);
  // Responses the edge only passes on come back as their bytes, unread (EncodedMessage): the
  // kit's protocol paths write them as they are, so no response is decoded and encoded again.
  const passOn = { users: users.encoded, products: products.encoded, orders: orders.encoded };
  return [
    expose(ProductService, {
      getProduct: async (request, context) =>
        passOn.products.getProduct(request, await as(context)),
      listProducts: async (request, context) =>
        passOn.products.listProducts(request, await as(context)),
      createProduct: async (request, context) =>
        passOn.products.createProduct(request, await as(context)),
      updateProduct: async (request, context) =>
        passOn.products.updateProduct(request, await as(context)),
      adjustStock: async (request, context) =>
        passOn.products.adjustStock(request, await as(context)),
    }),
    expose(UserService, {
      // Sign-up: the new profile is linked to the token's subject by the user service.
      createUser: async (request, context) => {
        const user = await users.createUser(request, await as(context));
        if (context.endUser) profiles.remember(context.endUser.subject, user.id);
        return user;
      },
      getUser: async (request, context) => passOn.users.getUser(request, await as(context)),
      updateUser: async (request, context) => passOn.users.updateUser(request, await as(context)),
      getCurrentUser: async (request, context) =>
        passOn.users.getCurrentUser(request, await as(context)),
      listUsers: async (request, context) => passOn.users.listUsers(request, await as(context)),
    }),
    expose(OrderService, {
      createOrder: async (request, context) =>
        passOn.orders.createOrder(request, await as(context)),
      getOrder: async (request, context) => passOn.orders.getOrder(request, await as(context)),
      listOrders: async (request, context) => passOn.orders.listOrders(request, await as(context)),
      cancelOrder: async (request, context) =>
        passOn.orders.cancelOrder(request, await as(context)),
    }),
  ];
}
