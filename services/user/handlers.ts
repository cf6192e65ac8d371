import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { UserSchema, UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import {
  alreadyExists,
  invalidArgument,
  notFound,
  page,
  pageRequest,
  requireText,
  requireUuid,
  type ServiceHandlers,
} from "../kit/index.js";
import type { UserRow, UserStore } from "./store.js";

const maxDisplayNameLength = 100;
const maxEmailLength = 254;
// Pragmatic syntax check: one @, no spaces, a dotted domain. Deliverability is not our business.
const emailPattern = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

/** The UserService rules over a store. */
export function userHandlers(store: UserStore): ServiceHandlers<typeof UserService> {
  return {
    async createUser(request) {
      const email = requireEmail(request.email);
      const displayName = requireText("display_name", request.displayName, maxDisplayNameLength);
      const user = await store.insert({ email, displayName });
      if (!user) throw alreadyExists(`a user with email ${email} already exists`);
      return toUser(user);
    },

    async getUser(request) {
      const id = requireUuid("id", request.id);
      const user = await store.get(id);
      if (!user) throw notFound(`user ${id}`);
      return toUser(user);
    },

    async listUsers(request) {
      const pageReq = pageRequest(request.pageSize, request.pageToken);
      const { rows, nextPageToken } = page(await store.list(pageReq), pageReq);
      return { users: rows.map(toUser), nextPageToken };
    },
  };
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

function toUser(row: UserRow): MessageInitShape<typeof UserSchema> {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    createTime: timestampFromDate(row.createTime),
  };
}
