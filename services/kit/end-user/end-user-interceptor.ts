import { RpcError, Status } from "../rpc-error.js";
import type { UnaryInterceptor } from "../server/grpc-service.js";
import { claimedEndUser } from "./end-user.js";
import { mayActForEndUsers } from "./trusted-peer.js";

/**
 * Puts the end user a call is made for into its context (`context.endUser`), but only when the
 * caller may speak for end users (the edge). Anyone else claiming to act for a user is refused
 * with PERMISSION_DENIED rather than ignored, so a misconfigured caller finds out at once.
 */
export function endUserInterceptor(trustedPeers: ReadonlySet<string>): UnaryInterceptor {
  return (next) => async (request, context) => {
    const endUser = claimedEndUser(context.metadata);
    if (endUser === undefined) return next(request, context);
    if (!mayActForEndUsers(context, trustedPeers)) {
      throw new RpcError(
        Status.PERMISSION_DENIED,
        `caller ${context.peer ?? "without a verified identity"} may not act for end users (only the edge may)`,
        { details: { reason: "NOT_TRUSTED_FOR_END_USERS" } },
      );
    }
    if (endUser.subject === "") {
      throw new RpcError(Status.UNAUTHENTICATED, "end-user identity without a subject", {
        details: { reason: "END_USER_WITHOUT_SUBJECT" },
      });
    }
    return next(request, { ...context, endUser });
  };
}
