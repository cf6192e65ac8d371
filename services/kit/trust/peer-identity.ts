import type { PeerCertificate } from "node:tls";

/** undefined when `certificate` is `expected`'s; else the Error that refuses the connection. */
export function checkServerIdentity(
  certificate: PeerCertificate,
  expected: string,
): Error | undefined {
  const { spiffeId } = certificateIdentity(certificate);
  if (spiffeId === expected) return undefined;
  return Object.assign(
    new Error(`server identity is ${spiffeId ?? "(no SPIFFE ID)"}, expected ${expected}`),
    { code: "ERR_TLS_CERT_ALTNAME_INVALID" },
  );
}

/** What grpc-js's `getAuthContext()` returns (its type is not exported from the package). */
export interface AuthContext {
  readonly transportSecurityType?: string | undefined;
  readonly sslPeerCertificate?: PeerCertificate | undefined;
}

/** Who is on the other end of a TLS connection, as its certificate says. */
export interface PeerIdentity {
  /** The first `spiffe://` URI SAN; undefined when the certificate carries none. */
  readonly spiffeId: string | undefined;
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
  /** The subject as `CN=…`, for policies that name principals by subject. */
  readonly subject: string;
  /** Serial number of the certificate (hex, uppercase): which one a peer used, in rotations. */
  readonly serial: string;
}

/**
 * The identity of a TLS peer's certificate (server side: the caller's; client side: the
 * server's). Node gives SANs as one string: `DNS:a, URI:spiffe://…` (values with commas or
 * quotes are JSON-quoted).
 */
export function certificateIdentity(certificate: PeerCertificate): PeerIdentity {
  const uris: string[] = [];
  const dnsNames: string[] = [];
  for (const entry of splitAltNames(certificate.subjectaltname ?? "")) {
    if (entry.startsWith("URI:")) uris.push(unquote(entry.slice(4)));
    else if (entry.startsWith("DNS:")) dnsNames.push(unquote(entry.slice(4)));
  }
  const subject = Object.entries(certificate.subject ?? {})
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("+") : value}`)
    .join(",");
  return {
    spiffeId: firstSpiffeId(uris),
    uris,
    dnsNames,
    subject,
    serial: certificate.serialNumber ?? "",
  };
}

/** The SPIFFE ID in a SAN list as Node formats it (`DNS:a, URI:spiffe://…`), if any. */
export function spiffeIdOf(subjectAltName: string): string | undefined {
  return firstSpiffeId(
    splitAltNames(subjectAltName)
      .filter((entry) => entry.startsWith("URI:"))
      .map((entry) => unquote(entry.slice(4))),
  );
}

function firstSpiffeId(uris: readonly string[]): string | undefined {
  return uris.find((uri) => uri.startsWith("spiffe://"));
}

/**
 * The verified caller of a call, from grpc-js's `getAuthContext()`: undefined on a plaintext
 * connection. grpc-js fills `sslPeerCertificate` only for a peer the TLS layer authorized.
 */
export function callerIdentity(auth: AuthContext): PeerIdentity | undefined {
  const certificate = auth.sslPeerCertificate;
  if (auth.transportSecurityType !== "ssl" || !certificate || !certificate.raw) return undefined;
  return certificateIdentity(certificate);
}

function splitAltNames(names: string): string[] {
  // Split on ", " outside JSON-quoted values.
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < names.length; i++) {
    const char = names[i];
    if (char === '"' && names[i - 1] !== "\\") quoted = !quoted;
    if (!quoted && char === "," && names[i + 1] === " ") {
      parts.push(current);
      current = "";
      i++;
      continue;
    }
    current += char;
  }
  if (current !== "") parts.push(current);
  return parts;
}

function unquote(value: string): string {
  return value.startsWith('"') ? (JSON.parse(value) as string) : value;
}
