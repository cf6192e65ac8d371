import type { UpdateUserRequest, User } from "../gen/shopmesh/user/v1/user_service_pb.js";
import type { EndUser } from "../kit/end-user/index.js";
import { canonicalId, invalidArgument } from "../kit/index.js";
import { blankText } from "../kit/validation/index.js";
import { etagMismatch, type MaskRules, resolveUpdateMask } from "../kit/writes/index.js";
import type { UserRow, UserStore } from "./store.js";
import { userNotFound, userType } from "./user-resource.js";

// What UpdateUser may change; the email is the account's key and never changes.
const userMask: MaskRules<"display_name"> = {
  resourceType: userType,
  mutable: ["display_name"],
  refused: {
    id: "is immutable",
    email: "is immutable",
    create_time: "is output only",
    update_time: "is output only",
    etag: "is output only (send it in user.etag to make the update conditional)",
    purchase_summary: "is output only",
  },
};

/**
 * UpdateUser's rule: the fields of the mask change, only if the etag sent (if any) is current.
 * An end user may change only their own profile (any other is NOT_FOUND to them, as in GetUser).
 * The proto's rules checked what is set (the id, a name's length); which fields must be set
 * depends on the mask, so that is checked here.
 */
export async function updateUser(
  store: UserStore,
  request: UpdateUserRequest,
  endUser: EndUser | undefined,
): Promise<UserRow> {
  // Required by the rules: the kit refused a request without it.
  const user = request.user as User;
  const mask = resolveUpdateMask(request.updateMask, userMask, () => user.displayName !== "");
  if (mask.has("display_name") && user.displayName === "") {
    throw invalidArgument("user.display_name", blankText);
  }
  const displayName = mask.has("display_name") ? user.displayName.trim() : undefined;
  const id = canonicalId(user.id);
  if (endUser && !endUser.admin && (await store.get(id))?.subject !== endUser.subject) {
    throw userNotFound(id);
  }
  const updated = await store.update(id, user.etag || undefined, { displayName });
  if (updated === "missing") throw userNotFound(id);
  if (updated === "stale") throw etagMismatch(userType, id);
  return updated;
}
