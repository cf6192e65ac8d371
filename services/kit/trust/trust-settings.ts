import { boolean, integer, type Setting, text } from "../config.js";
import { trustDomainSetting } from "./spiffe-id.js";

const optionalPath = { parse: text, default: undefined };

/** The settings of a service's identity, its trust in others, and who may call it. */
export function trustSettings(defaultHealthPort: number) {
  return {
    tlsCertFile: { env: "TLS_CERT_FILE", ...optionalPath },
    tlsKeyFile: { env: "TLS_KEY_FILE", ...optionalPath, secret: true },
    tlsCaFile: { env: "TLS_CA_FILE", ...optionalPath },
    trustDomain: { env: "TRUST_DOMAIN", parse: trustDomainSetting, default: "cluster.local" },
    authzPolicyFile: { env: "AUTHZ_POLICY_FILE", ...optionalPath },
    // How often certificate and policy files are read again (rotation and policy changes).
    trustRefreshIntervalMs: {
      env: "TRUST_REFRESH_INTERVAL_MS",
      parse: integer(100, 600_000),
      default: 2_000,
    },
    // Local debugging only: no TLS, no caller identities. Logged loudly at start.
    insecurePlaintext: { env: "INSECURE_PLAINTEXT", parse: boolean, default: false },
    healthPort: { env: "HEALTH_PORT", parse: integer(0, 65535), default: defaultHealthPort },
  } satisfies Record<string, Setting<unknown>>;
}

/** The trust settings, read. */
export interface TrustConfig {
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly tlsCaFile: string | undefined;
  readonly trustDomain: string;
  readonly authzPolicyFile: string | undefined;
  readonly trustRefreshIntervalMs: number;
  readonly insecurePlaintext: boolean;
}
