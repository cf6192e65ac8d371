import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createLocalJWKSet, type JWTVerifyGetKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Status } from "../../kit/index.js";
import { DevIssuer } from "./dev-issuer.js";
import { hasRole } from "./sign-in.js";
import { TokenVerifier } from "./token-verifier.js";

let folder: string;
let issuer: DevIssuer;
let keys: JWTVerifyGetKey;
let keyLookups = 0;

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "shopmesh-verifier-"));
  issuer = await DevIssuer.open(folder, { issuer: "https://idp.test", audience: "shop" });
  const local = createLocalJWKSet(JSON.parse(await readFile(issuer.jwksFile, "utf8")));
  // Counts signature checks: each one looks up the key.
  keys = (header, token) => {
    keyLookups++;
    return local(header, token);
  };
});
afterAll(() => rm(folder, { recursive: true, force: true }));

const verifier = (cacheSize = 10) =>
  new TokenVerifier({
    keys,
    issuer: "https://idp.test",
    audience: "shop",
    algorithms: ["ES256"],
    clockSkewSeconds: 30,
    cacheSize,
  });

describe("TokenVerifier", () => {
  it("checks a token's signature once and answers repeats from the cache until it expires", async () => {
    const token = await issuer.issue("idp|ada", {}, 60);
    const tokens = verifier();
    const before = keyLookups;
    const first = await tokens.verify(token);
    expect(first.subject).toBe("idp|ada");
    await tokens.verify(token);
    await tokens.verify(token);
    expect(keyLookups - before).toBe(1);
    // Past exp + skew the cached entry is no longer good, and the full check refuses it.
    const later = first.expiresAt + 31_000;
    await expect(tokens.verify(token, later)).rejects.toMatchObject({
      code: Status.UNAUTHENTICATED,
      message: "token refused: expired",
    });
  });

  it("keeps at most cacheSize tokens, dropping the oldest", async () => {
    const tokens = verifier(1);
    const [a, b] = [await issuer.issue("idp|a"), await issuer.issue("idp|b")];
    await tokens.verify(a);
    await tokens.verify(b);
    const before = keyLookups;
    await tokens.verify(b);
    expect(keyLookups).toBe(before);
    await tokens.verify(a);
    expect(keyLookups).toBe(before + 1);
  });

  it("requires a subject", async () => {
    const token = await issuer.issue("", {});
    await expect(verifier().verify(token)).rejects.toMatchObject({
      code: Status.UNAUTHENTICATED,
      message: "token refused: claim sub is missing",
    });
  });
});

describe("hasRole", () => {
  const admin = { claim: "realm_access.roles", role: "admin" };
  it.each([
    [{ realm_access: { roles: ["user", "admin"] } }, true],
    [{ realm_access: { roles: ["user"] } }, false],
    [{ realm_access: "admin" }, false],
    [{}, false],
  ])("reads nested role lists: %j → %s", (claims, expected) => {
    expect(hasRole(claims, admin)).toBe(expected);
  });

  it("reads space-separated words (an OAuth scope)", () => {
    expect(hasRole({ scope: "read admin" }, { claim: "scope", role: "admin" })).toBe(true);
  });
});
