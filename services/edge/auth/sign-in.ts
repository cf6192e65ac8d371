import type { JWTPayload } from "jose";
import type { UnaryInterceptor } from "../../kit/index.js";
import { RpcError, Status } from "../../kit/index.js";
import type { TokenVerifier } from "./token-verifier.js";

/** Which claim grants admin: a dotted path (`roles`, `realm_access.roles`) and the role name. */
export interface AdminRole {
  readonly claim: string;
  readonly role: string;
}

/**
 * Signs the caller in from `authorization: Bearer <JWT>` and puts them in `context.endUser`.
 * Methods in `anonymous` may be called without a token; every other one needs a valid token.
 * A token that is sent is always checked: a bad one is refused, never ignored.
 */
export function signIn(
  verifier: TokenVerifier,
  admin: AdminRole,
  anonymous: ReadonlySet<string>,
): UnaryInterceptor {
  return (next, method) => async (request, context) => {
    const header = context.metadata.get("authorization")[0];
    if (header === undefined || header === "") {
      if (anonymous.has(method.name)) return next(request, context);
      throw new RpcError(
        Status.UNAUTHENTICATED,
        `${method.name} needs a signed-in user: send authorization: Bearer <token>`,
      );
    }
    const match = /^Bearer\s+(\S+)$/i.exec(String(header));
    if (!match?.[1]) {
      throw new RpcError(Status.UNAUTHENTICATED, "authorization: must be Bearer <token>");
    }
    const token = await verifier.verify(match[1]);
    const endUser = { subject: token.subject, admin: hasRole(token.claims, admin) };
    return next(request, { ...context, endUser });
  };
}

/** Whether the claim at `admin.claim` holds `admin.role` (a list, or space-separated words). */
export function hasRole(claims: JWTPayload, admin: AdminRole): boolean {
  let value: unknown = claims;
  for (const part of admin.claim.split(".")) {
    if (typeof value !== "object" || value === null) return false;
    value = (value as Record<string, unknown>)[part];
  }
  if (Array.isArray(value)) return value.includes(admin.role);
  if (typeof value === "string") return value.split(" ").includes(admin.role);
  return false;
}
