import { RpcError, Status, type UnaryInterceptor } from "../kit/index.js";

/** Product reads: the only calls a visitor who has not signed in may make. */
export const anonymousMethods: ReadonlySet<string> = new Set(["GetProduct", "ListProducts"]);

/** Calls only admins may make (the services behind check again). */
export const adminMethods: ReadonlySet<string> = new Set([
  "CreateProduct",
  "UpdateProduct",
  "AdjustStock",
  "ListUsers",
]);

/** Refuses admin methods to signed-in users without the admin role, before any work is done. */
export function adminsOnly(): UnaryInterceptor {
  return (next, method) => {
    if (!adminMethods.has(method.name)) return next;
    return async (request, context) => {
      if (!context.endUser?.admin) {
        throw new RpcError(Status.PERMISSION_DENIED, `${method.name} is for admins only`, {
          details: { reason: "ADMIN_ONLY", metadata: { method: method.name } },
        });
      }
      return next(request, context);
    };
  };
}
