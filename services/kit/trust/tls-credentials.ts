import type { PeerCertificate } from "node:tls";
import { type ChannelCredentials, experimental, type ServerCredentials } from "@grpc/grpc-js";
import type { CertificateFiles } from "./certificate-files.js";
import { checkServerIdentity } from "./peer-identity.js";

/**
 * Server credentials that require a client certificate issued by the trust domain's CA, with
 * certificates from `files` (reloaded as they change). The same provider goes in both
 * positions: grpc-js's helper names them (ca, identity) but its constructor takes (identity, ca).
 */
export function mutualTlsServerCredentials(files: CertificateFiles): ServerCredentials {
  return experimental.createCertificateProviderServerCredentials(files, files, true);
}

/**
 * Client credentials presenting the workload's certificate and accepting only a server whose
 * certificate carries `expectedServerId` as URI SAN. grpc-js's `checkServerIdentity` replaces
 * the hostname check: a pod is dialled by IP, and what matters is who it is, not its address.
 */
export function mutualTlsChannelCredentials(
  files: CertificateFiles,
  expectedServerId: string,
): ChannelCredentials {
  return experimental.createCertificateProviderChannelCredentials(files, files, {
    checkServerIdentity: (_host: string, certificate: PeerCertificate) =>
      checkServerIdentity(certificate, expectedServerId),
  });
}
