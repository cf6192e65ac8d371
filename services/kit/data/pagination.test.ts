import { describe, expect, it } from "vitest";
import { RpcError, Status } from "../rpc-error.js";
import { defaultPageSize, maxPageBytes, maxPageSize, page, pageRequest } from "./pagination.js";

const rows = (...seqs: number[]) => seqs.map((seq) => ({ seq: BigInt(seq), name: `row ${seq}` }));
const token = (text: string) => Buffer.from(text).toString("base64url");

function thrown(run: () => unknown): RpcError {
  try {
    run();
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  throw new Error("expected an RpcError");
}

describe("pageRequest", () => {
  it("starts at the beginning with the default size when both fields are unset", () => {
    expect(pageRequest(0, "")).toEqual({ after: 0n, size: defaultPageSize });
    expect(defaultPageSize).toBe(50);
  });

  it("keeps a size within bounds and reduces a larger one to the maximum", () => {
    expect(pageRequest(1, "").size).toBe(1);
    expect(pageRequest(maxPageSize, "").size).toBe(1000);
    expect(pageRequest(1001, "").size).toBe(1000);
    expect(pageRequest(2 ** 31 - 1, "").size).toBe(1000);
  });

  it("refuses a negative size with INVALID_ARGUMENT naming page_size", () => {
    expect(thrown(() => pageRequest(-1, ""))).toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: expect.stringMatching(/^page_size: /),
    });
  });

  it.each([
    ["not base64", "!!!"],
    ["base64 of other text", token("hello")],
    ["no position", token("v1:")],
    ["a negative position", token("v1:-5")],
    ["a position with trailing text", token("v1:5x")],
    ["another version", token("v2:5")],
  ])("refuses a token holding %s with INVALID_ARGUMENT naming page_token", (_, pageToken) => {
    expect(thrown(() => pageRequest(10, pageToken))).toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: expect.stringMatching(/^page_token: /),
    });
  });

  // The position is compared with a PostgreSQL bigint column; a larger one makes the query fail
  // with "out of range for type bigint", i.e. INTERNAL for what is the caller's mistake.
  it("refuses a token whose position does not fit a bigint", () => {
    expect(pageRequest(10, token("v1:9223372036854775807")).after).toBe(9223372036854775807n);
    expect(thrown(() => pageRequest(10, token("v1:9223372036854775808")))).toMatchObject({
      code: Status.INVALID_ARGUMENT,
      message: expect.stringMatching(/^page_token: /),
    });
  });
});

describe("page", () => {
  it("returns no token when the rows fit in the page", () => {
    const request = pageRequest(3, "");
    expect(page(rows(1, 2, 3), request)).toEqual({ rows: rows(1, 2, 3), nextPageToken: "" });
    expect(page(rows(1), request)).toEqual({ rows: rows(1), nextPageToken: "" });
    expect(page([], request)).toEqual({ rows: [], nextPageToken: "" });
  });

  it("drops the extra row and returns a token when there are more rows", () => {
    const result = page(rows(4, 7, 9), pageRequest(2, ""));
    expect(result.rows).toEqual(rows(4, 7));
    expect(result.nextPageToken).not.toBe("");
  });

  it("makes a token that pageRequest reads back as the last row's position", () => {
    const first = page(rows(4, 7, 9), pageRequest(2, ""));
    const next = pageRequest(2, first.nextPageToken);
    expect(next).toEqual({ after: 7n, size: 2 });
  });

  it("round-trips positions beyond the safe integers", () => {
    const seq = 2n ** 62n + 1n;
    const result = page([{ seq }, { seq: seq + 1n }], pageRequest(1, ""));
    expect(pageRequest(1, result.nextPageToken).after).toBe(seq);
  });
});

describe("page bounded by bytes", () => {
  const third = Math.floor(maxPageBytes / 3);
  it("ends a page before its rows would exceed the byte bound, and continues after it", () => {
    const { rows: shown, nextPageToken } = page(
      rows(1, 2, 3, 4, 5),
      { after: 0n, size: 10 },
      () => third + 1,
    );
    expect(shown.map((row) => row.seq)).toEqual([1n, 2n]);
    expect(pageRequest(10, nextPageToken).after).toBe(2n);
  });

  it("holds at least one row, and ends the list normally when all rows fit", () => {
    const huge = page(rows(1, 2), { after: 0n, size: 10 }, () => maxPageBytes * 2);
    expect(huge.rows.map((row) => row.seq)).toEqual([1n]);
    expect(huge.nextPageToken).not.toBe("");
    const small = page(rows(1, 2), { after: 0n, size: 10 }, () => third);
    expect(small).toEqual({ rows: rows(1, 2), nextPageToken: "" });
  });
});
