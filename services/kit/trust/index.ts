// Trust: workload identities (SPIFFE), mTLS with certificates reloaded from files, and
// authorization by gRPC authorization policies (gRFC A43). Issuing certificates lives in
// ./certificate-authority.ts, imported directly where needed (it loads a heavy library).
export {
  type AuthorizedCall,
  type AuthzEvent,
  authorizationInterceptor,
  authorizedCall,
  deniedMessage,
} from "./authorization.js";
export { type AuthzDecision, type AuthzRequest, authorize, stringMatches } from "./authz-match.js";
export {
  type AuthzPolicy,
  type AuthzRule,
  PolicyError,
  parseAuthzPolicy,
  pattern,
  type StringMatch,
} from "./authz-policy.js";
export { type CheckedPair, checkPair } from "./certificate-check.js";
export { type CertificateFileOptions, CertificateFiles } from "./certificate-files.js";
export {
  callerIdentity,
  certificateIdentity,
  checkServerIdentity,
  type PeerIdentity,
  spiffeIdOf,
} from "./peer-identity.js";
export { PolicyFile, type PolicyFileOptions } from "./policy-file.js";
export {
  formatSpiffeId,
  parseSpiffeId,
  type SpiffeId,
  spiffeIdSetting,
  trustDomainSetting,
} from "./spiffe-id.js";
export {
  type ClientTls,
  mutualTlsChannelCredentials,
  mutualTlsClient,
  mutualTlsServerCredentials,
} from "./tls-credentials.js";
export { type TrustConfig, trustSettings } from "./trust-settings.js";
export { loadWorkloadTrust, type WorkloadTrust } from "./workload-trust.js";
