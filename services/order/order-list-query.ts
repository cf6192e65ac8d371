import { canonicalId, checkFields } from "../kit/index.js";
import {
  type FilterComparison,
  type FilterOperator,
  filterError,
  parseFilter,
  parseOrderBy,
} from "../kit/listing/index.js";
import type { OrderState } from "./order-store.js";

/** What ListOrders lists: its conditions (all must hold) and its order. */
export interface OrderListQuery {
  readonly conditions: readonly OrderCondition[];
  /** Newest first. */
  readonly descending: boolean;
}

/** One condition on an order, its value already checked. */
export type OrderCondition =
  | { readonly field: "user_id"; readonly operator: "="; readonly value: string }
  | { readonly field: "status"; readonly operator: "=" | "!="; readonly value: OrderState }
  | {
      readonly field: "create_time";
      readonly operator: "<" | "<=" | ">" | ">=";
      readonly value: string;
    };

// `status` is the Order's field; `state` is the name people reach for (AIP-216 calls it that).
const filterable = {
  user_id: ["="],
  status: ["=", "!="],
  state: ["=", "!="],
  create_time: ["<", "<=", ">", ">="],
} as const satisfies Record<string, readonly FilterOperator[]>;

const visibleStates: Readonly<Record<string, OrderState>> = {
  PENDING: "pending",
  CONFIRMED: "confirmed",
  CANCELLING: "cancelling",
  CANCELLED: "cancelled",
};

// RFC 3339 with a zone, as google.protobuf.Timestamp's JSON form; PostgreSQL reads it exactly.
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Reads ListOrders' `filter` and `order_by` into a query; INVALID_ARGUMENT naming the field and
 * what is wrong with it otherwise.
 */
export function orderListQuery(filter: string, orderBy: string): OrderListQuery {
  const { conditions, descending } = checkFields({
    conditions: () => parseFilter(filter, filterable).map(condition),
    descending: () => parseOrderBy(orderBy, ["create_time"], "create_time").descending,
  });
  return { conditions, descending };
}

function condition(comparison: FilterComparison): OrderCondition {
  const { field, operator, value } = comparison;
  switch (field) {
    case "user_id":
      return { field, operator: "=", value: filterUuid(value) };
    case "status":
    case "state":
      return { field: "status", operator: operator as "=" | "!=", value: stateOf(field, value) };
    default:
      if (!rfc3339.test(value) || Number.isNaN(Date.parse(value))) {
        throw filterError(
          `create_time takes an RFC 3339 time in quotes, e.g. create_time > "2026-01-02T03:04:05Z"; found "${value}"`,
        );
      }
      return { field: "create_time", operator: operator as "<" | "<=" | ">" | ">=", value };
  }
}

// A UUID inside a filter is in the filter's grammar, out of reach of the proto's field rules:
// the same form as `string.uuid` (hex in either case, hyphenated 8-4-4-4-12).
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function filterUuid(value: string): string {
  if (!uuidPattern.test(value)) {
    throw filterError(`user_id takes a UUID in quotes; found "${value}"`);
  }
  return canonicalId(value);
}

function stateOf(field: string, value: string): OrderState {
  const name = value.startsWith("ORDER_STATUS_") ? value.slice("ORDER_STATUS_".length) : value;
  const state = Object.hasOwn(visibleStates, name) ? visibleStates[name] : undefined;
  if (!state) {
    const names = Object.keys(visibleStates).join(", ");
    throw filterError(`${field} takes one of ${names}; found "${value}"`);
  }
  return state;
}

/** The query with `userId` added as a condition: what an end user may see of it. */
export function scopedTo(query: OrderListQuery, userId: string | undefined): OrderListQuery {
  if (userId === undefined) return query;
  return {
    ...query,
    conditions: [{ field: "user_id", operator: "=", value: userId }, ...query.conditions],
  };
}

/** The user ids the query's conditions name. */
export function userIdsOf(query: OrderListQuery): string[] {
  return query.conditions.flatMap((c) => (c.field === "user_id" ? [c.value] : []));
}

/**
 * The query as text that is the same for the same query however it was written (spacing,
 * `state` or `status`, order of conditions): what a page token is bound to.
 */
export function canonicalQuery(query: OrderListQuery): string {
  const conditions = query.conditions
    .map((c) => `${c.field} ${c.operator} ${JSON.stringify(c.value)}`)
    .sort();
  return JSON.stringify({ conditions, descending: query.descending });
}
