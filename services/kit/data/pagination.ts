import { invalidArgument } from "../rpc-error.js";

/** Page size when the request leaves it at 0. */
export const defaultPageSize = 50;
/** Larger requested sizes are reduced to this (AIP-158). */
export const maxPageSize = 1000;
/**
 * Encoded bytes of rows one page may hold, whatever its size in rows: below the default 4 MiB
 * message limit with room for the rest of the response, so no page is ever too large to send.
 */
export const maxPageBytes = 3 * 1024 * 1024;

/** Where a page starts and how many rows it holds. */
export interface PageRequest {
  /** Rows after this position in the table's insertion order; 0n for the first page. */
  readonly after: bigint;
  readonly size: number;
}

const tokenPrefix = "v1:";
const maxBigint = 2n ** 63n - 1n;

/** Reads `page_size`: 0 is the default, larger than the maximum is the maximum (AIP-158). */
export function pageSizeOf(pageSize: number): number {
  if (pageSize < 0) throw invalidArgument("page_size", "must not be negative");
  return pageSize === 0 ? defaultPageSize : Math.min(pageSize, maxPageSize);
}

/**
 * Reads `page_size` and `page_token`. Tokens are opaque to callers; inside they hold the
 * position (a row's `seq`) after which the next page starts, so pages never skip or repeat rows
 * when others are inserted meanwhile.
 */
export function pageRequest(pageSize: number, pageToken: string): PageRequest {
  const size = pageSizeOf(pageSize);
  if (pageToken === "") return { after: 0n, size };
  const decoded = Buffer.from(pageToken, "base64url").toString("utf8");
  const position = decoded.startsWith(tokenPrefix) ? decoded.slice(tokenPrefix.length) : "";
  // Also refuse positions beyond bigint: PostgreSQL would answer "out of range", an INTERNAL.
  if (!/^\d{1,19}$/.test(position) || BigInt(position) > maxBigint) {
    throw invalidArgument("page_token", "must be a next_page_token returned by this method");
  }
  return { after: BigInt(position), size };
}

/**
 * Given rows fetched with `LIMIT size + 1`, the page to return and the token of the next one
 * (empty when this page is the last). With `sizeOf` (a row's encoded bytes), the page also ends
 * before it would exceed {@link maxPageBytes}; it always holds at least one row.
 */
export function page<Row extends { readonly seq: bigint }>(
  rows: readonly Row[],
  request: PageRequest,
  sizeOf?: (row: Row) => number,
): { rows: Row[]; nextPageToken: string } {
  const { rows: pageRows, lastBeforeMore } = pageOf(rows, request.size, sizeOf);
  const nextPageToken = lastBeforeMore
    ? Buffer.from(`${tokenPrefix}${lastBeforeMore.seq}`).toString("base64url")
    : "";
  return { rows: pageRows, nextPageToken };
}

/**
 * Given rows fetched with `LIMIT size + 1`, the page to return (within {@link maxPageBytes} with
 * `sizeOf`, at least one row) and, when more rows follow it, its last row: where the next starts.
 */
export function pageOf<Row>(
  rows: readonly Row[],
  size: number,
  sizeOf?: (row: Row) => number,
): { rows: Row[]; lastBeforeMore: Row | undefined } {
  let pageRows = rows.slice(0, size);
  if (sizeOf) pageRows = withinBytes(pageRows, sizeOf);
  const more = rows.length > pageRows.length;
  return { rows: pageRows, lastBeforeMore: more ? pageRows[pageRows.length - 1] : undefined };
}

/** The longest prefix of `rows` within {@link maxPageBytes}, at least one row. */
function withinBytes<Row>(rows: Row[], sizeOf: (row: Row) => number): Row[] {
  let bytes = 0;
  for (let index = 0; index < rows.length; index++) {
    bytes += sizeOf(rows[index] as Row);
    if (bytes > maxPageBytes && index > 0) return rows.slice(0, index);
  }
  return rows;
}
