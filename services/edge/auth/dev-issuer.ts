import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, SignJWT } from "jose";

/** Issuer and audience of development tokens (what `make run` configures the edge to expect). */
export const devIssuerDefaults = {
  issuer: "http://localhost:8080/dev-issuer",
  audience: "shopmesh",
} as const;

const warning =
  "DEVELOPMENT ONLY. A signing key made on this machine for `make run`: anyone who can read " +
  "this folder can sign in as anybody. Never point a real deployment at it; use your identity " +
  "provider's JWKS URL instead.\n";

/**
 * A token issuer for local development and tests: an ES256 key made on first use and kept in
 * `folder` (signing-key.jwk.json, private), its public JWKS (jwks.json) for the edge, and tokens
 * signed with it. It proves nothing about anyone; it stands in for Keycloak, Dex or Auth0.
 */
export class DevIssuer {
  private constructor(
    private readonly key: Awaited<ReturnType<typeof importJWK>>,
    private readonly kid: string,
    /** The public key set file to give the edge as JWT_JWKS_FILE. */
    readonly jwksFile: string,
    readonly issuer: string,
    readonly audience: string,
  ) {}

  /** Loads the key in `folder`, or makes one (and its JWKS) when there is none. */
  static async open(
    folder: string,
    options: { issuer?: string; audience?: string } = {},
  ): Promise<DevIssuer> {
    const keyFile = path.join(folder, "signing-key.jwk.json");
    const jwksFile = path.join(folder, "jwks.json");
    if (!existsSync(keyFile)) {
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
      const kid = `dev-${Date.now().toString(36)}`;
      const meta = { kid, alg: "ES256", use: "sig" };
      await writeFile(keyFile, JSON.stringify({ ...(await exportJWK(privateKey)), ...meta }), {
        mode: 0o600,
      });
      const jwks = { keys: [{ ...(await exportJWK(publicKey)), ...meta }] };
      await writeFile(jwksFile, JSON.stringify(jwks, null, 2));
      await writeFile(path.join(folder, "README.txt"), warning);
    }
    const jwk = JSON.parse(await readFile(keyFile, "utf8")) as JWK & { kid: string };
    return new DevIssuer(
      await importJWK(jwk, "ES256"),
      jwk.kid,
      jwksFile,
      options.issuer ?? devIssuerDefaults.issuer,
      options.audience ?? devIssuerDefaults.audience,
    );
  }

  /**
   * A development sign-in by email (the CLI's `login`, the storefront's sign-in form): the
   * subject is derived from the email, so the same email is the same user again.
   */
  issueForEmail(email: string, admin = false): Promise<string> {
    return this.issue(`dev|${email.toLowerCase()}`, {
      email,
      ...(admin ? { roles: ["admin"] } : {}),
    });
  }

  /** A signed token for `subject`; `claims` add to or override the standard ones. */
  issue(subject: string, claims: JWTPayload = {}, lifetimeSeconds = 3600): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: this.issuer,
      aud: this.audience,
      sub: subject,
      iat: now,
      exp: now + lifetimeSeconds,
      ...claims,
    })
      .setProtectedHeader({ alg: "ES256", kid: this.kid, typ: "JWT" })
      .sign(this.key);
  }
}
