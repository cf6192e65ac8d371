import { createPrivateKey, X509Certificate } from "node:crypto";
import { spiffeIdOf } from "./peer-identity.js";

/** What a good certificate/key pair says about itself. */
export interface CheckedPair {
  /** Hexadecimal serial number (uppercase). */
  readonly serial: string;
  readonly notAfter: Date;
  readonly spiffeId: string | undefined;
}

/**
 * Checks a pair read from files before it is used: the certificate and key parse, belong
 * together, were issued by (one of) the CA certificate(s), and are valid now. A pair caught
 * half-written (the certificate renewed, the key not yet) fails here, so it is never loaded.
 * Throws an Error saying what is wrong.
 */
export function checkPair(
  files: { readonly certificate: Buffer; readonly privateKey: Buffer; readonly ca: Buffer },
  now = Date.now(),
): CheckedPair {
  const certificate = parse("certificate", () => new X509Certificate(files.certificate));
  const key = parse("private key", () => createPrivateKey(files.privateKey));
  if (!certificate.checkPrivateKey(key)) {
    throw new Error("certificate and private key do not belong together");
  }
  const authorities = pemBlocks(files.ca.toString("utf8")).map((block) =>
    parse("CA certificate", () => new X509Certificate(block)),
  );
  if (authorities.length === 0) throw new Error("CA file holds no certificate");
  if (!authorities.some((ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey))) {
    throw new Error(`certificate ${certificate.serialNumber} was not issued by the trusted CA`);
  }
  const notBefore = Date.parse(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  if (now < notBefore) throw new Error(`certificate is not valid before ${certificate.validFrom}`);
  if (now >= notAfter.getTime()) throw new Error(`certificate expired at ${certificate.validTo}`);
  return {
    serial: certificate.serialNumber,
    notAfter,
    spiffeId: spiffeIdOf(certificate.subjectAltName ?? ""),
  };
}

function parse<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new Error(`${what} unreadable (${error instanceof Error ? error.message : error})`);
  }
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
