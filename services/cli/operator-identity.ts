import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { PeerCertificate } from "node:tls";
import { checkServerIdentity } from "../kit/trust/peer-identity.js";

/** The operator's certificate and the identities the CLI expects of each server. */
export interface OperatorIdentity {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** SPIFFE ID each service must present. */
  readonly servers: Readonly<Record<"user" | "product" | "order", string>>;
}

/**
 * Reads the operator identity from a trust folder as `make run` writes it (`trust-domain.json`,
 * `ca.pem`, `operator/cert.pem`, `operator/key.pem`); throws an Error that says what to do when
 * it is not there.
 */
export function readOperatorIdentity(dir: string): OperatorIdentity {
  const manifestFile = path.join(dir, "trust-domain.json");
  if (!existsSync(manifestFile)) {
    throw new Error(
      `no operator certificate in ${dir}: start \`make run\` once (it creates one), or point --trust-dir / SHOPMESH_TRUST_DIR at a trust folder`,
    );
  }
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as {
    identities: OperatorIdentity["servers"];
  };
  return {
    ca: readFileSync(path.join(dir, "ca.pem")),
    cert: readFileSync(path.join(dir, "operator", "cert.pem")),
    key: readFileSync(path.join(dir, "operator", "key.pem")),
    servers: manifest.identities,
  };
}

/** Node TLS options presenting the operator certificate and pinning the server's identity. */
export function operatorTlsOptions(
  identity: OperatorIdentity,
  server: keyof OperatorIdentity["servers"],
) {
  const expected = identity.servers[server];
  return {
    ca: identity.ca,
    cert: identity.cert,
    key: identity.key,
    // A name, not the address: servers are told apart by their SPIFFE ID (checked below).
    servername: server,
    checkServerIdentity: (_host: string, certificate: PeerCertificate) =>
      checkServerIdentity(certificate, expected),
  };
}
