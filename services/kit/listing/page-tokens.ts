import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { invalidArgument } from "../rpc-error.js";
import type { Logger } from "../telemetry/logger.js";

const version = 1;
const ivBytes = 12;
const tagBytes = 16;
const keyBytes = 32;

/**
 * Seals a list's position into an opaque page token (AES-256-GCM, AIP-158): callers can neither
 * read it nor forge one, and a token only opens for the query that made it (its filter, order
 * and scope), so a token reused with another filter is INVALID_ARGUMENT rather than a page of
 * the wrong list. The page size is not bound: AIP-158 lets it change from page to page.
 */
export class PageTokens {
  /** `purpose` (the method, e.g. "shopmesh.order.v1.ListOrders") keeps tokens of lists apart. */
  constructor(
    private readonly key: Buffer,
    private readonly purpose: string,
  ) {
    if (key.length !== keyBytes) throw new Error(`a page token key is ${keyBytes} bytes`);
  }

  /** The token of the page after `cursor` in the list `query` (a canonical text of it) names. */
  seal(cursor: unknown, query: string): string {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(this.purpose));
    const plain = Buffer.from(JSON.stringify({ q: queryHash(query), c: cursor }));
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.of(version), iv, sealed, cipher.getAuthTag()]).toString(
      "base64url",
    );
  }

  /**
   * The cursor sealed in `token`, or INVALID_ARGUMENT on `page_token`: when it is not a token of
   * this list (garbage, tampered with, sealed with another key), or was made for another query.
   */
  open(token: string, query: string): unknown {
    const bytes = Buffer.from(token, "base64url");
    const opened = bytes[0] === version ? this.decrypt(bytes) : undefined;
    if (!opened) {
      throw invalidArgument("page_token", "must be a next_page_token returned by this method");
    }
    if (opened.q !== queryHash(query)) {
      throw invalidArgument(
        "page_token",
        "was returned for another query: filter, order_by and user_id must be those of the request that returned it",
        "PAGE_TOKEN_QUERY_MISMATCH",
      );
    }
    return opened.c;
  }

  private decrypt(bytes: Buffer): { q: string; c: unknown } | undefined {
    if (bytes.length < 1 + ivBytes + tagBytes + 1) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(1, 1 + ivBytes), {
        authTagLength: tagBytes,
      });
      decipher.setAAD(Buffer.from(this.purpose));
      decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
      const plain = Buffer.concat([
        decipher.update(bytes.subarray(1 + ivBytes, bytes.length - tagBytes)),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString("utf8")) as { q: string; c: unknown };
    } catch {
      // Authentication failed: not ours, or not intact. Which one is nobody's business.
      return undefined;
    }
  }
}

function queryHash(query: string): string {
  return createHash("sha256").update(query).digest("base64url").slice(0, 22);
}

/** Reads a page token key: 32 random bytes in base64 (`openssl rand -base64 32`). */
export function pageTokenKey(raw: string): Buffer {
  const key = Buffer.from(raw, "base64");
  if (key.length !== keyBytes || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) {
    throw new Error(`must be ${keyBytes} random bytes in base64, e.g. \`openssl rand -base64 32\``);
  }
  return key;
}

/** A fresh key, for a runner that keeps it (in its data folder, say) for its services. */
export function newPageTokenKey(): string {
  return randomBytes(keyBytes).toString("base64");
}

/**
 * The setting of the key page tokens are sealed with: PAGE_TOKEN_KEY, or the file named by
 * PAGE_TOKEN_KEY_FILE (a mounted Secret). Every replica of a service must have the same key.
 */
export const pageTokenSettings = {
  pageTokenKey: {
    env: "PAGE_TOKEN_KEY",
    parse: pageTokenKey,
    secret: true,
    fromFile: true,
    default: undefined as Buffer | undefined,
  },
};

/**
 * The page tokens of `purpose` under the configured key. Without one, a key of this process only,
 * said loudly: tokens then fail on any other replica and after a restart.
 */
export function pageTokensFor(
  key: Buffer | undefined,
  purpose: string,
  logger: Pick<Logger, "warn">,
): PageTokens {
  if (key) return new PageTokens(key, purpose);
  logger.warn(
    { setting: "PAGE_TOKEN_KEY_FILE" },
    "PAGE_TOKEN_KEY(_FILE) is not set: page tokens are sealed with a key of this process only, so another replica, or this one after a restart, refuses them (INVALID_ARGUMENT); give every replica the same key",
  );
  return new PageTokens(randomBytes(keyBytes), purpose);
}
