import type { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import { type EndUser, requireAdminEndUser } from "../kit/end-user/index.js";
import {
  alreadyExists,
  checkFields,
  invalidArgument,
  notFound,
  page,
  pageRequest,
  RpcError,
  requireText,
  requireUuid,
  type ServiceHandlers,
  Status,
} from "../kit/index.js";
import { optionalRequestId, requestFingerprint, requestIdReused } from "../kit/writes/index.js";
import type { PurchaseStore } from "./events/index.js";
import type { UserRow, UserStore } from "./store.js";
import { maxDisplayNameLength, updateUser } from "./update-user.js";
import { toUser, userNotFound, userType } from "./user-resource.js";

const maxEmailLength = 254;
// Pragmatic syntax check: one @, no spaces, a dotted domain. Deliverability is not our business.
const emailPattern = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

/** The UserService rules over a store (and the purchase summaries the order events keep). */
export function userHandlers(
  store: UserStore,
  purchases?: Pick<PurchaseStore, "summaryOf">,
): ServiceHandlers<typeof UserService> {
  // A profile as returned by GetUser and GetCurrentUser: with its purchase summary when kept.
  const withSummary = async (user: UserRow) =>
    toUser(user, purchases ? await purchases.summaryOf(user.id) : undefined);
  return {
    // Through the edge this is sign-up: the profile is linked to the caller's subject.
    // A request_id makes it idempotent: a retry returns the user the first call created.
    async createUser(request, context) {
      const { email, displayName, requestId } = checkFields({
        email: () => requireEmail(request.email),
        displayName: () => requireText("display_name", request.displayName, maxDisplayNameLength),
        requestId: () => optionalRequestId(request.requestId),
      });
      const subject = context.endUser?.subject;
      const key =
        requestId === undefined
          ? undefined
          : {
              scope: subject ?? "",
              requestId,
              fingerprint: requestFingerprint([email, displayName]),
            };
      const user = await store.insert({
        email,
        displayName,
        ...(subject ? { subject } : {}),
        key,
      });
      if (user) return toUser(user);
      if (key) {
        // Not inserted: a retry finds its first result; another request's key is refused.
        const first = await store.getByRequest(key);
        if (first?.requestFingerprint === key.fingerprint) return toUser(first);
        if (first) throw requestIdReused(key.requestId, "user");
      }
      if (subject && (await store.getBySubject(subject))) {
        throw alreadyExists("you already have a profile; GetCurrentUser returns it", {
          reason: "PROFILE_EXISTS",
        });
      }
      throw alreadyExists(`a user with email ${email} already exists`, {
        reason: "EMAIL_TAKEN",
        metadata: { email },
      });
    },

    // An end user sees only their own profile; any other id is unknown to them.
    async getUser(request, context) {
      const id = requireUuid("id", request.id);
      const user = await store.get(id);
      if (!user || !mayRead(context.endUser, user)) throw userNotFound(id);
      return withSummary(user);
    },

    async updateUser(request, context) {
      return withSummary(await updateUser(store, request, context.endUser));
    },

    async getCurrentUser(_request, context) {
      const { endUser } = context;
      if (!endUser) {
        throw new RpcError(Status.UNAUTHENTICATED, "no signed-in end user", {
          details: { reason: "NO_END_USER" },
        });
      }
      const user = await store.getBySubject(endUser.subject);
      if (!user) {
        throw notFound("profile of the signed-in user (sign up with CreateUser)", "NO_PROFILE", {
          resourceType: userType,
          resourceName: `subject:${endUser.subject}`,
        });
      }
      return withSummary(user);
    },

    async listUsers(request, context) {
      requireAdminEndUser(context, "ListUsers");
      const pageReq = pageRequest(request.pageSize, request.pageToken);
      const { rows, nextPageToken } = page(await store.list(pageReq), pageReq);
      return { users: rows.map((row) => toUser(row)), nextPageToken };
    },
  };
}

function mayRead(endUser: EndUser | undefined, user: UserRow): boolean {
  return !endUser || endUser.admin || user.subject === endUser.subject;
}

function requireEmail(value: string): string {
  const email = value.trim();
  if (email === "") throw invalidArgument("email", "is required");
  if (email.length > maxEmailLength) {
    throw invalidArgument("email", `must be at most ${maxEmailLength} characters`);
  }
  if (!emailPattern.test(email)) {
    throw invalidArgument("email", "must be an email address such as name@example.com");
  }
  return email;
}
