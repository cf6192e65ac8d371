import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { RpcError, Status } from "../../kit/index.js";

/** How tokens are checked: the provider's keys and what the token must say. */
export interface TokenRules {
  readonly keys: JWTVerifyGetKey;
  readonly issuer: string;
  readonly audience: string;
  /** Signature algorithms accepted; `none` never is. */
  readonly algorithms: readonly string[];
  readonly clockSkewSeconds: number;
  /** Verified tokens kept (until their `exp`) so a repeat costs a map lookup, not a signature. */
  readonly cacheSize: number;
}

/** What a verified token says about its bearer. */
export interface VerifiedToken {
  readonly subject: string;
  readonly claims: JWTPayload;
  /** When the token stops being valid, in milliseconds since the epoch. */
  readonly expiresAt: number;
}

/**
 * Verifies bearer tokens (JWT) against the identity provider's keys, issuer, audience and the
 * allowed algorithms. A token must expire (`exp`) and name a subject (`sub`). Failures are
 * UNAUTHENTICATED with the reason; an unreachable key set is UNAVAILABLE (not the caller's
 * fault, so worth a retry).
 */
export class TokenVerifier {
  private readonly cache = new Map<string, VerifiedToken>();

  constructor(private readonly rules: TokenRules) {}

  /** The verified token, or an RpcError saying why it is refused. */
  async verify(token: string, now = Date.now()): Promise<VerifiedToken> {
    const cached = this.cache.get(token);
    // A cached token still expires on time: skew applies as in a fresh check.
    if (cached && now < cached.expiresAt + this.rules.clockSkewSeconds * 1000) return cached;
    if (cached) this.cache.delete(token);
    const verified = await this.check(token, now);
    if (this.cache.size >= this.rules.cacheSize) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(token, verified);
    return verified;
  }

  private async check(token: string, now: number): Promise<VerifiedToken> {
    const { rules } = this;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, rules.keys, {
        issuer: rules.issuer,
        audience: rules.audience,
        algorithms: [...rules.algorithms],
        clockTolerance: rules.clockSkewSeconds,
        requiredClaims: ["exp", "sub"],
        currentDate: new Date(now),
      }));
    } catch (error) {
      throw refusal(error);
    }
    // jose checks that `sub` is present; an empty one would name nobody (and everybody).
    if (typeof payload.sub !== "string" || payload.sub === "") {
      throw new RpcError(Status.UNAUTHENTICATED, "token refused: claim sub is missing");
    }
    return {
      subject: payload.sub,
      claims: payload,
      expiresAt: (payload.exp as number) * 1000,
    };
  }
}

function refusal(error: unknown): RpcError {
  const unauthenticated = (reason: string) =>
    new RpcError(Status.UNAUTHENTICATED, `token refused: ${reason}`, { cause: error });
  if (error instanceof errors.JWTExpired) return unauthenticated("expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    // jose says check_failed both for a wrong iss/aud and for nbf/iat in the future.
    const reason =
      error.claim === "iss" || error.claim === "aud" ? "mismatch" : (error.reason as string);
    return unauthenticated(`claim ${error.claim} ${claimReasons[reason] ?? reason}`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return unauthenticated("algorithm not allowed");
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return unauthenticated("signature does not verify");
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return unauthenticated("signed with a key the provider does not publish");
  }
  if (error instanceof errors.JWKSTimeout || isFetchFailure(error)) {
    return new RpcError(Status.UNAVAILABLE, "identity provider keys unreachable, retry later", {
      cause: error,
    });
  }
  return unauthenticated("not a valid signed JWT");
}

const claimReasons: Record<string, string> = {
  missing: "is missing",
  mismatch: "has the wrong value",
  check_failed: "is not yet valid or too old",
  invalid: "is malformed",
};

function isFetchFailure(error: unknown): boolean {
  return error instanceof TypeError && /fetch failed/.test(error.message);
}
