// Issuing certificates: a trust domain's root and its workload leaves. Not re-exported from
// ./index.ts on purpose: @peculiar/x509 takes ~0.7 s to load, and services only read
// certificates (node:crypto does that); only `make run`, the simulation and tests issue them.
import "reflect-metadata";
import { randomBytes, type webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

/** A certificate and its private key, PEM-encoded (key as PKCS #8). */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** A leaf certificate just issued. */
export interface IssuedCertificate extends PemPair {
  /** Hexadecimal serial number, as node:crypto's X509Certificate reports it (uppercase). */
  readonly serial: string;
  readonly notAfter: Date;
}

const ecdsa = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
// Clocks of the machines in a trust domain differ a little: a certificate is valid from a
// minute before it was made, so a peer whose clock is behind accepts it at once.
const clockSkewMs = 60_000;

/** Makes a self-signed root (ECDSA P-256) for `trustDomain`, valid for `lifetimeMs`. */
export async function createCertificateAuthority(options: {
  readonly trustDomain: string;
  readonly lifetimeMs: number;
}): Promise<PemPair> {
  const keys = await crypto.subtle.generateKey(ecdsa, true, ["sign", "verify"]);
  const notBefore = new Date(Date.now() - clockSkewMs);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${options.trustDomain} root,O=shopmesh`,
    keys,
    notBefore,
    notAfter: new Date(notBefore.getTime() + options.lifetimeMs),
    signingAlgorithm: ecdsa,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString("pem"), key: await exportKey(keys.privateKey) };
}

/**
 * Issues a workload certificate signed by `ca`: a fresh ECDSA P-256 key, the SPIFFE ID as URI
 * SAN plus DNS SANs, usable as TLS server and client. `notBefore` lets tests make one that is
 * already expired.
 */
export async function issueWorkloadCertificate(
  ca: PemPair,
  options: {
    readonly spiffeId: string;
    readonly dnsNames: readonly string[];
    /** IP SANs, for a server reached by address (a test's stand-in API server). */
    readonly ipAddresses?: readonly string[];
    readonly lifetimeMs: number;
    readonly notBefore?: Date;
  },
): Promise<IssuedCertificate> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await crypto.subtle.importKey(
    "pkcs8",
    x509.PemConverter.decodeFirst(ca.key),
    ecdsa,
    false,
    ["sign"],
  );
  const keys = await crypto.subtle.generateKey(ecdsa, true, ["sign", "verify"]);
  const notBefore = options.notBefore ?? new Date(Date.now() - clockSkewMs);
  const serial = serialNumber();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${options.dnsNames[0] ?? options.spiffeId}`,
    issuer: caCert.subject,
    publicKey: keys.publicKey,
    signingKey: caKey,
    notBefore,
    notAfter: new Date(notBefore.getTime() + options.lifetimeMs),
    signingAlgorithm: ecdsa,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      new x509.SubjectAlternativeNameExtension([
        { type: "url", value: options.spiffeId },
        ...options.dnsNames.map((value) => ({ type: "dns" as const, value })),
        ...(options.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return {
    cert: cert.toString("pem"),
    key: await exportKey(keys.privateKey),
    serial: serial.toUpperCase(),
    notAfter: cert.notAfter,
  };
}

// 16 random bytes, top bit clear so the DER integer stays positive without a padding byte.
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x10;
  return bytes.toString("hex");
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}
