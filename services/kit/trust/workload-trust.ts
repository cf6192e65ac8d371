import * as grpc from "@grpc/grpc-js";
import { context, propagation, trace } from "@opentelemetry/api";
import { ConfigError } from "../config.js";
import type { Logger } from "../telemetry/logger.js";
import { eventCounter } from "../telemetry/metrics.js";
import type { AuthzEvent } from "./authorization.js";
import { authorizationInterceptor } from "./authorization.js";
import { CertificateFiles } from "./certificate-files.js";
import { observeCertificate } from "./certificate-metrics.js";
import { PolicyFile } from "./policy-file.js";
import { parseSpiffeId } from "./spiffe-id.js";
import {
  type ClientTls,
  mutualTlsChannelCredentials,
  mutualTlsClient,
  mutualTlsServerCredentials,
} from "./tls-credentials.js";
import type { TrustConfig } from "./trust-settings.js";

/** A workload's credentials and authorization, ready for its server and its clients. */
export interface WorkloadTrust {
  /** mTLS (client certificates required), or insecure when plaintext was asked for. */
  readonly serverCredentials: grpc.ServerCredentials;
  /** Authorization of every call; empty when plaintext runs without a policy. */
  readonly serverInterceptors: readonly grpc.ServerInterceptor[];
  /** The workload's own SPIFFE ID; undefined in plaintext. */
  readonly identity: string | undefined;
  /** Credentials to dial a server that must present `expectedServerId`. */
  channelCredentials(
    dependency: string,
    expectedServerId: string | undefined,
  ): grpc.ChannelCredentials;
  /**
   * The same, for a channel on Node's own TLS (the kit's lean HTTP/2 channel); undefined in
   * plaintext. `servername` is the TLS server name (SNI) sent.
   */
  clientTls(
    dependency: string,
    expectedServerId: string | undefined,
    servername: string,
  ): ClientTls | undefined;
  /** Stops watching files. */
  close(): void;
}

// A service cannot serve without its identity: wait this long for good files at start.
const firstLoadTimeoutMs = 10_000;

/**
 * Loads the workload's certificate (watched and reloaded, bad versions refused and counted,
 * expiry exported) and its authorization policy (reloaded; invalid at start is fatal, later
 * keeps the previous one). With INSECURE_PLAINTEXT=true there is no TLS at all, and the log
 * says so loudly.
 */
export async function loadWorkloadTrust(
  config: TrustConfig,
  logger: Logger,
  role: "server" | "client only" = "server",
): Promise<WorkloadTrust> {
  const policy = loadPolicy(config, logger);
  const serverInterceptors = policy
    ? [authorizationInterceptor(() => policy.policy, recordDecision(logger))]
    : [];
  if (config.insecurePlaintext) {
    logger.warn(
      { setting: "INSECURE_PLAINTEXT=true" },
      "INSECURE: mTLS is OFF. Connections are plaintext, callers are not identified, and only rules without principals can allow a call. For local debugging only; never in a cluster.",
    );
    return {
      serverCredentials: grpc.ServerCredentials.createInsecure(),
      serverInterceptors,
      identity: undefined,
      channelCredentials: () => grpc.credentials.createInsecure(),
      clientTls: () => undefined,
      close: () => policy?.close(),
    };
  }
  const { tlsCertFile, tlsKeyFile, tlsCaFile } = config;
  // A client only (the edge) serves no gRPC to the mesh, so it has no policy to enforce.
  if (!tlsCertFile || !tlsKeyFile || !tlsCaFile || (!policy && role === "server")) {
    const needs =
      role === "server"
        ? "TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE and AUTHZ_POLICY_FILE"
        : "TLS_CERT_FILE, TLS_KEY_FILE and TLS_CA_FILE";
    throw new ConfigError(
      `bad configuration: mTLS is on by default and needs ${needs} (INSECURE_PLAINTEXT=true turns it off, for local debugging only)`,
    );
  }
  const loads = eventCounter("shopmesh.certificate.reloads", "Certificate pairs taken into use");
  const refusals = eventCounter(
    "shopmesh.certificate.reload_failures",
    "Certificate files refused (half-written, foreign, expired); the last good pair stays",
  );
  const files = new CertificateFiles({
    certFile: tlsCertFile,
    keyFile: tlsKeyFile,
    caFile: tlsCaFile,
    refreshIntervalMs: config.trustRefreshIntervalMs,
    onLoaded: (pair) => {
      loads.add(1);
      logger.info(
        { serial: pair.serial, not_after: pair.notAfter, identity: pair.spiffeId },
        "certificate loaded",
      );
    },
    onRejected: (reason) => {
      refusals.add(1);
      // Usually a renewal caught between its two renames (gone at the next read); an error only
      // when it lasts, which the reload_failures counter and the expiry metric show.
      logger.warn({ reason }, "certificate files refused: keeping the last good certificate");
    },
  });
  let first: Awaited<ReturnType<CertificateFiles["ready"]>>;
  try {
    first = await files.ready(firstLoadTimeoutMs);
  } catch (error) {
    files.close();
    policy?.close();
    throw error;
  }
  const identity = first.spiffeId;
  if (!identity || parseSpiffeId(identity).trustDomain !== config.trustDomain) {
    files.close();
    policy?.close();
    throw new ConfigError(
      `certificate ${tlsCertFile} names ${identity ?? "no SPIFFE ID"}: want spiffe://${config.trustDomain}/ns/<namespace>/sa/<account> (TRUST_DOMAIN)`,
    );
  }
  observeCertificate(() => files.current);
  return {
    serverCredentials: mutualTlsServerCredentials(files),
    serverInterceptors,
    identity,
    channelCredentials: (dependency, expectedServerId) =>
      mutualTlsChannelCredentials(files, checkedServerId(config, dependency, expectedServerId)),
    clientTls: (dependency, expectedServerId, servername) =>
      mutualTlsClient(files, checkedServerId(config, dependency, expectedServerId), servername),
    close: () => {
      files.close();
      policy?.close();
    },
  };
}

/** The identity a dependency's servers must present: set, and in our trust domain. */
function checkedServerId(
  config: TrustConfig,
  dependency: string,
  expectedServerId: string | undefined,
): string {
  if (!expectedServerId) {
    throw new ConfigError(
      `bad configuration: the expected identity of the ${dependency} is not set`,
    );
  }
  if (parseSpiffeId(expectedServerId).trustDomain !== config.trustDomain) {
    throw new ConfigError(
      `bad configuration: ${dependency} identity ${expectedServerId} is outside trust domain ${config.trustDomain}`,
    );
  }
  return expectedServerId;
}

function loadPolicy(config: TrustConfig, logger: Logger): PolicyFile | undefined {
  if (!config.authzPolicyFile) return undefined;
  const failures = eventCounter(
    "shopmesh.authz.policy_reload_failures",
    "Policy files refused on reload; the previous policy stays in force",
  );
  const policy = new PolicyFile(config.authzPolicyFile, {
    refreshIntervalMs: config.trustRefreshIntervalMs,
    onReloaded: (loaded) =>
      logger.info(
        { policy: loaded.name, file: config.authzPolicyFile },
        "authorization policy reloaded",
      ),
    onRejected: (reason) => {
      failures.add(1);
      logger.error({ reason }, "authorization policy refused: keeping the previous policy");
    },
  });
  logger.info(
    { policy: policy.policy.name, file: config.authzPolicyFile },
    "authorization policy loaded",
  );
  return policy;
}

function recordDecision(logger: Logger): (event: AuthzEvent) => void {
  const denials = eventCounter(
    "shopmesh.authz.denied",
    "Calls refused by the authorization policy",
  );
  const tracer = trace.getTracer("shopmesh");
  return ({ method, peer, decision, metadata }) => {
    if (decision.allowed) return;
    const caller = peer?.spiffeId ?? peer?.subject ?? "(no certificate)";
    const rule = decision.rule ?? "(no allow rule matched)";
    denials.add(1, { "rpc.method": method });
    logger.warn({ method, peer: caller, rule }, "rpc denied: PERMISSION_DENIED");
    // The call never reaches a handler, so it has no server span: record one here, in the
    // caller's trace.
    const parent = propagation.extract(context.active(), metadata.getMap(), {
      keys: (carrier) => Object.keys(carrier),
      get: (carrier, key) => {
        const value = carrier[key];
        return typeof value === "string" ? value : undefined;
      },
    });
    const span = tracer.startSpan(
      "authz.denied",
      {
        attributes: { "rpc.method": method, "shopmesh.peer": caller, "shopmesh.authz.rule": rule },
      },
      parent,
    );
    span.end();
  };
}
