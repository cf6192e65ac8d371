import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DevIssuer, jwksFrom, TokenVerifier } from "../services/edge/auth/index.js";

/** What the edge's token check costs per call, in microseconds. */
export interface JwtVerifyCost {
  /** The same token again: the verified-token cache answers (the common case of a session). */
  readonly warmMicros: number;
  /** A token seen for the first time: an ES256 signature check and the claim rules. */
  readonly coldMicros: number;
}

/**
 * Times the edge's TokenVerifier in process, as the edge configures it (ES256 development
 * issuer, local JWKS): `calls` verifications of one token after a warm-up, and `calls` distinct
 * tokens (signed before the clock starts) verified once each.
 */
export async function measureJwtVerify(calls: number): Promise<JwtVerifyCost> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-jwt-"));
  try {
    const issuer = await DevIssuer.open(dir);
    const verifier = new TokenVerifier({
      keys: jwksFrom({ file: issuer.jwksFile }),
      issuer: issuer.issuer,
      audience: issuer.audience,
      algorithms: ["ES256"],
      clockSkewSeconds: 30,
      cacheSize: calls + 1,
    });
    const token = await issuer.issueForEmail("bench@example.com");
    for (let i = 0; i < 1000; i++) await verifier.verify(token);
    let start = performance.now();
    for (let i = 0; i < calls; i++) await verifier.verify(token);
    const warmMicros = ((performance.now() - start) * 1000) / calls;
    const fresh = await Promise.all(
      Array.from({ length: calls }, (_, i) => issuer.issueForEmail(`bench${i}@example.com`)),
    );
    start = performance.now();
    for (const one of fresh) await verifier.verify(one);
    const coldMicros = ((performance.now() - start) * 1000) / calls;
    return { warmMicros, coldMicros };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
