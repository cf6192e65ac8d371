import type { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import { type EndUser, requireAdminEndUser } from "../kit/end-user/index.js";
import {
  alreadyExists,
  canonicalId,
  notFound,
  page,
  pageRequest,
  RpcError,
  type ServiceHandlers,
  Status,
} from "../kit/index.js";
import { createKey, earlierCreate } from "../kit/writes/index.js";
import type { PurchaseStore } from "./events/index.js";
import type { UserRow, UserStore } from "./store.js";
import { updateUser } from "./update-user.js";
import { toUser, userNotFound, userType } from "./user-resource.js";

/** The UserService rules over a store (and the purchase summaries the order events keep). */
export function userHandlers(
  store: UserStore,
  purchases?: Pick<PurchaseStore, "summaryOf">,
): ServiceHandlers<typeof UserService> {
  // A profile as returned by GetUser and GetCurrentUser: with its purchase summary when kept.
  const withSummary = async (user: UserRow) =>
    toUser(user, purchases ? await purchases.summaryOf(user.id) : undefined);
  return {
    // Through the edge this is sign-up: the profile is linked to the caller's subject. The
    // proto's rules checked the fields (an email's syntax, a name's length): what is left here
    // is what needs the store. A request_id makes it idempotent: a retry returns the user the
    // first call created.
    async createUser(request, context) {
      const { email } = request;
      const displayName = request.displayName.trim();
      const subject = context.endUser?.subject;
      const key = createKey(subject ?? "", request.requestId, [email, displayName]);
      const user = await store.insert({
        email,
        displayName,
        ...(subject ? { subject } : {}),
        key,
      });
      if (user) return toUser(user);
      // Not inserted: a retry finds its first result; another request's key is refused.
      const first = await earlierCreate(key, "user", (k) => store.getByRequest(k));
      if (first) return toUser(first);
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
      const id = canonicalId(request.id);
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
