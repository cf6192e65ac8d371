import { readFileSync } from "node:fs";
import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey } from "jose";

/**
 * The provider's public keys: fetched from `url` (refetched when a token names an unknown key,
 * at most every 30 s, so rotation needs no restart) or read once from `file`.
 */
export function jwksFrom(source: { url?: string; file?: string }): JWTVerifyGetKey {
  if (source.url) return createRemoteJWKSet(new URL(source.url), { cooldownDuration: 30_000 });
  if (source.file) return createLocalJWKSet(JSON.parse(readFileSync(source.file, "utf8")));
  throw new Error("JWT_JWKS_URL or JWT_JWKS_FILE is required");
}
