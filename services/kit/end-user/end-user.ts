import type { Metadata } from "@grpc/grpc-js";

/**
 * The person a call is made for, as the edge vouches for them: the subject of their verified
 * token (the identity provider's id, not ours), their profile's id once they signed up, and
 * whether their token grants the admin role.
 */
export interface EndUser {
  readonly subject: string;
  /** The user service's id of their profile; absent before sign-up. */
  readonly userId?: string;
  readonly admin: boolean;
}

// Never copied from an outside request: the edge builds these from the token it verified.
const subjectKey = "shopmesh-end-user-subject";
const userIdKey = "shopmesh-end-user-id";
const adminKey = "shopmesh-end-user-admin";

/** The metadata that carries `user` on a call from the edge to an internal service. */
export function endUserMetadata(user: EndUser): Record<string, string> {
  return {
    [subjectKey]: user.subject,
    ...(user.userId ? { [userIdKey]: user.userId } : {}),
    [adminKey]: String(user.admin),
  };
}

/** The end user a call's metadata claims, or undefined when it claims none. */
export function claimedEndUser(metadata: Metadata): EndUser | undefined {
  const subject = first(metadata, subjectKey);
  const userId = first(metadata, userIdKey);
  const admin = first(metadata, adminKey);
  if (subject === undefined && userId === undefined && admin === undefined) return undefined;
  return {
    subject: subject ?? "",
    ...(userId ? { userId } : {}),
    admin: admin === "true",
  };
}

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === "string" ? value : undefined;
}
