import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { UserSchema, UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import { type EndUser, requireAdminEndUser } from "../kit/end-user/index.js";
import {
  alreadyExists,
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
import type { PurchaseStore, PurchaseSummaryRow } from "./events/index.js";
import type { UserRow, UserStore } from "./store.js";

const maxDisplayNameLength = 100;
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
    async createUser(request, context) {
      const email = requireEmail(request.email);
      const displayName = requireText("display_name", request.displayName, maxDisplayNameLength);
      const subject = context.endUser?.subject;
      const user = await store.insert({ email, displayName, ...(subject ? { subject } : {}) });
      if (user) return toUser(user);
      if (subject && (await store.getBySubject(subject))) {
        throw alreadyExists("you already have a profile; GetCurrentUser returns it");
      }
      throw alreadyExists(`a user with email ${email} already exists`);
    },

    // An end user sees only their own profile; any other id is unknown to them.
    async getUser(request, context) {
      const id = requireUuid("id", request.id);
      const user = await store.get(id);
      if (!user || !mayRead(context.endUser, user)) throw notFound(`user ${id}`);
      return withSummary(user);
    },

    async getCurrentUser(_request, context) {
      const { endUser } = context;
      if (!endUser) throw new RpcError(Status.UNAUTHENTICATED, "no signed-in end user");
      const user = await store.getBySubject(endUser.subject);
      if (!user) throw notFound("profile of the signed-in user (sign up with CreateUser)");
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

function toUser(row: UserRow, summary?: PurchaseSummaryRow): MessageInitShape<typeof UserSchema> {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    createTime: timestampFromDate(row.createTime),
    ...(summary
      ? {
          purchaseSummary: {
            confirmedOrders: summary.confirmedOrders,
            cancelledOrders: summary.cancelledOrders,
            spent: summary.spent.map((s) => ({
              currencyCode: s.currency,
              minorUnits: s.minorUnits,
            })),
          },
        }
      : {}),
  };
}
