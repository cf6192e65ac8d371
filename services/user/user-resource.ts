import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { UserSchema } from "../gen/shopmesh/user/v1/user_service_pb.js";
import { notFound, type RpcError } from "../kit/index.js";
import type { PurchaseSummaryRow } from "./events/index.js";
import type { UserRow } from "./store.js";

/** The resource type in the ResourceInfo of a user, and in ETAG_MISMATCH. */
export const userType = "shopmesh.user.v1.User";

/** NOT_FOUND `user <id> not found`, reason USER_NOT_FOUND, with its ResourceInfo. */
export function userNotFound(id: string): RpcError {
  return notFound(`user ${id}`, "USER_NOT_FOUND", { resourceType: userType, resourceName: id });
}

/** A stored user as the API returns it, with its purchase summary when one is given. */
export function toUser(
  row: UserRow,
  summary?: PurchaseSummaryRow,
): MessageInitShape<typeof UserSchema> {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    createTime: timestampFromDate(row.createTime),
    updateTime: timestampFromDate(row.updateTime),
    etag: row.etag,
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
