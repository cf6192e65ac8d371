import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readConfig } from "../config.js";
import { RpcError, Status } from "../rpc-error.js";
import { newPageTokenKey, PageTokens, pageTokenSettings } from "./page-tokens.js";

const key = randomBytes(32);
const tokens = new PageTokens(key, "test.List");

function refusal(open: () => unknown): { code: Status; message: string } {
  try {
    open();
  } catch (error) {
    if (error instanceof RpcError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("the token opened");
}

describe("PageTokens", () => {
  it("opens what it sealed, for the same query only", () => {
    const token = tokens.seal({ t: "123", s: "7" }, "query A");
    expect(tokens.open(token, "query A")).toEqual({ t: "123", s: "7" });
    expect(refusal(() => tokens.open(token, "query B"))).toEqual({
      code: Status.INVALID_ARGUMENT,
      message: expect.stringMatching(/^page_token: was returned for another query/),
    });
  });

  it("refuses tokens of another key, another list, or altered", () => {
    const token = tokens.seal({ t: "1", s: "1" }, "q");
    const bytes = Buffer.from(token, "base64url");
    bytes[20] = (bytes[20] ?? 0) ^ 0xff;
    for (const [other, text] of [
      [new PageTokens(randomBytes(32), "test.List"), token],
      [new PageTokens(key, "other.List"), token],
      [tokens, bytes.toString("base64url")],
      [tokens, ""],
    ] as const) {
      expect(refusal(() => other.open(text, "q"))).toEqual({
        code: Status.INVALID_ARGUMENT,
        message: "page_token: must be a next_page_token returned by this method",
      });
    }
  });

  it("reads its key from PAGE_TOKEN_KEY_FILE, and refuses a key that is not 32 bytes", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "page-token-")), "key");
    const text = newPageTokenKey();
    writeFileSync(file, `${text}\n`);
    const config = readConfig(pageTokenSettings, { PAGE_TOKEN_KEY_FILE: file });
    expect(config.pageTokenKey?.equals(Buffer.from(text, "base64"))).toBe(true);
    expect(readConfig(pageTokenSettings, {}).pageTokenKey).toBeUndefined();
    expect(() => readConfig(pageTokenSettings, { PAGE_TOKEN_KEY: "c2hvcnQ=" })).toThrow(
      "PAGE_TOKEN_KEY=(hidden): must be 32 random bytes in base64",
    );
  });
});
