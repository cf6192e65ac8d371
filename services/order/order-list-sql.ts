import type { OrderCondition, OrderListQuery } from "./order-list-query.js";

/** Where a page of ListOrders starts: after this order, in the query's order. */
export interface OrderCursor {
  /** The order's create_time in microseconds since 1970 (PostgreSQL's precision, not Date's). */
  readonly createMicros: bigint;
  readonly seq: bigint;
}

// The SQL of each operator: fixed text chosen by the parsed operator, never the caller's text.
const operators: Readonly<Record<OrderCondition["operator"], string>> = {
  "=": "=",
  "!=": "<>",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
};

const columns: Readonly<Record<OrderCondition["field"], string>> = {
  user_id: "o.user_id",
  status: "o.status",
  create_time: "o.create_time",
};

const casts: Readonly<Record<OrderCondition["field"], string>> = {
  user_id: "uuid",
  status: "text",
  create_time: "timestamptz",
};

// create_time exactly, from integer microseconds (no float on the way).
const microsToTime = (param: string) =>
  `(timestamptz 'epoch' + ${param}::bigint * interval '1 microsecond')`;

/** The orders' microseconds since 1970, as the cursor holds them. */
export const createMicrosColumn = `(extract(epoch FROM o.create_time) * 1000000)::bigint AS "createMicros"`;

/**
 * The WHERE, ORDER BY and LIMIT of one page of `query`: every value a parameter ($1, $2, …), the
 * SQL text built only from this file's constants. Ordered by (create_time, seq): seq breaks ties
 * between orders placed in the same microsecond, so pages never skip or repeat one.
 */
export function orderPageSql(
  query: OrderListQuery,
  after: OrderCursor | undefined,
  limit: number,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ["o.status <> 'abandoned'"];
  for (const condition of query.conditions) {
    const value = `${param(condition.value)}::${casts[condition.field]}`;
    where.push(`${columns[condition.field]} ${operators[condition.operator]} ${value}`);
  }
  const direction = query.descending ? "DESC" : "ASC";
  if (after) {
    const time = microsToTime(param(after.createMicros.toString()));
    const seq = `${param(after.seq.toString())}::bigint`;
    where.push(`(o.create_time, o.seq) ${query.descending ? "<" : ">"} (${time}, ${seq})`);
  }
  return {
    sql: `WHERE ${where.join(" AND ")}
      ORDER BY o.create_time ${direction}, o.seq ${direction} LIMIT ${param(limit)}`,
    params,
  };
}
