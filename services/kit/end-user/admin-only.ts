import type { CallContext } from "../call-context.js";
import { RpcError, Status } from "../rpc-error.js";

/**
 * Refuses a call made for an end user who is not an admin (PERMISSION_DENIED naming `method`).
 * Calls made for no end user (operators, other services) are the authorization policy's concern.
 */
export function requireAdminEndUser(context: Pick<CallContext, "endUser">, method: string): void {
  if (context.endUser && !context.endUser.admin) {
    throw new RpcError(Status.PERMISSION_DENIED, `${method} is for admins only`, {
      details: { reason: "ADMIN_ONLY", metadata: { method } },
    });
  }
}
