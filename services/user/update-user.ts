import type { UpdateUserRequest } from "../gen/shopmesh/user/v1/user_service_pb.js";
import type { EndUser } from "../kit/end-user/index.js";
import { checkFields, invalidArgument, requireText, requireUuid } from "../kit/index.js";
import { etagMismatch, type MaskRules, resolveUpdateMask } from "../kit/writes/index.js";
import type { UserRow, UserStore } from "./store.js";
import { userNotFound, userType } from "./user-resource.js";

/** Longest display name, in characters. */
export const maxDisplayNameLength = 100;

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
 */
export async function updateUser(
  store: UserStore,
  request: UpdateUserRequest,
  endUser: EndUser | undefined,
): Promise<UserRow> {
  const user = request.user;
  if (!user) throw invalidArgument("user", "is required");
  // Every violation at once: the mask's, and the masked field's rules.
  const { id, displayName } = checkFields({
    id: () => requireUuid("user.id", user.id),
    displayName: () => {
      const mask = resolveUpdateMask(request.updateMask, userMask, () => user.displayName !== "");
      return mask.has("display_name")
        ? requireText("user.display_name", user.displayName, maxDisplayNameLength)
        : undefined;
    },
  });
  if (endUser && !endUser.admin && (await store.get(id))?.subject !== endUser.subject) {
    throw userNotFound(id);
  }
  const updated = await store.update(id, user.etag || undefined, { displayName });
  if (updated === "missing") throw userNotFound(id);
  if (updated === "stale") throw etagMismatch(userType, id);
  return updated;
}
