import { createSecureContext, type PeerCertificate, type SecureContext } from "node:tls";
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
  const credentials = experimental.createCertificateProviderChannelCredentials(files, files, {
    checkServerIdentity: (_host: string, certificate: PeerCertificate) =>
      checkServerIdentity(certificate, expectedServerId),
  });
  reuseSecureContext(credentials);
  return credentials;
}

/** The parts of grpc-js 1.14's CertificateProviderChannelCredentialsImpl used below. */
interface ProviderCredentials {
  latestCaUpdate?: unknown;
  latestIdentityUpdate?: unknown;
  getLatestSecureContext?: () => SecureContext | null;
}

/**
 * grpc-js's certificate-provider channel credentials build a new TLS context (parsing the key,
 * the certificate and the CA) twice for every connection they open: measured as a quarter of an
 * idle order pod's main-thread CPU, paid at every max connection age by every client of every
 * pod. The files change only on rotation, and `CertificateFiles` passes on a new pair only then
 * (new update objects), so one context per pair serves every connection, as
 * `credentials.createFromSecureContext` does; a rotated pair gets a new one at once.
 */
function reuseSecureContext(credentials: ChannelCredentials): void {
  const provider = credentials as unknown as ProviderCredentials;
  const build = provider.getLatestSecureContext;
  // Another grpc-js without that method: its own behaviour stays (correct, only slower).
  if (typeof build !== "function") return;
  let cached: { ca: unknown; identity: unknown; context: SecureContext } | undefined;
  provider.getLatestSecureContext = () => {
    const ca = provider.latestCaUpdate;
    const identity = provider.latestIdentityUpdate;
    if (cached !== undefined && cached.ca === ca && cached.identity === identity) {
      return cached.context;
    }
    const context = build.call(provider);
    cached = context ? { ca, identity, context } : undefined;
    return context;
  };
}

/** TLS of a channel outside grpc-js: the workload's current pair and CA, and who the server must be. */
export interface ClientTls {
  /** The context of the current certificate pair (a rotated pair gets a new one). */
  secureContext(): SecureContext;
  /** undefined when the server's certificate is the expected identity's; else the refusal. */
  checkServerIdentity(host: string, certificate: PeerCertificate): Error | undefined;
  /** The TLS server name (SNI): a name, never an address. */
  readonly servername: string;
}

/**
 * What {@link mutualTlsChannelCredentials} presents and checks, for the kit's lean HTTP/2
 * channel: the files' current good pair (one context per pair, rebuilt only on rotation) and
 * the server's SPIFFE ID in place of a hostname check.
 */
export function mutualTlsClient(
  files: CertificateFiles,
  expectedServerId: string,
  servername: string,
): ClientTls {
  let cached: { pair: unknown; context: SecureContext } | undefined;
  return {
    servername,
    secureContext: () => {
      const pair = files.inUse;
      if (!pair) throw new Error("no good certificate pair loaded yet");
      if (cached?.pair !== pair) {
        const context = createSecureContext({
          ca: pair.ca.caCertificate,
          cert: pair.identity.certificate,
          key: pair.identity.privateKey,
        });
        cached = { pair, context };
      }
      return cached.context;
    },
    checkServerIdentity: (_host, certificate) => checkServerIdentity(certificate, expectedServerId),
  };
}
