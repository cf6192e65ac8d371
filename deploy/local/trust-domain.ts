import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { defaultPolicies } from "../../services/authz-policies.js";
import {
  createCertificateAuthority,
  issueWorkloadCertificate,
  type PemPair,
} from "../../services/kit/trust/certificate-authority.js";
import { formatSpiffeId } from "../../services/kit/trust/index.js";
import { reconcilePolicyFile } from "./policy-files.js";

/**
 * The workloads of a local trust domain: the three services, the operator (CLI, grpcurl) and the
 * edge (a client of the services only).
 */
export const workloads = ["user", "product", "order", "operator", "edge"] as const;
/** One workload of the local trust domain. */
export type Workload = (typeof workloads)[number];
/** The workloads that serve gRPC and have a policy. */
export type MeshServer = Exclude<Workload, "operator" | "edge">;

/** What the CLI and tools read from `trust-domain.json`. */
export interface TrustDomainManifest {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly identities: Readonly<Record<Workload, string>>;
  /** Per service, the SHA-256 of the default policy last written to its file. */
  readonly policyDefaults?: Readonly<Partial<Record<MeshServer, string>>>;
}

/** A local trust domain on disk: a root, a leaf per workload, a policy per service. */
export interface TrustDomain extends TrustDomainManifest {
  readonly dir: string;
  readonly caFile: string;
  certFile(workload: Workload): string;
  keyFile(workload: Workload): string;
  policyFile(service: MeshServer): string;
}

/** Where the trust domain lives and how long its certificates are valid. */
export interface TrustDomainOptions {
  readonly dir: string;
  readonly trustDomain?: string;
  readonly namespace?: string;
  /** Lifetime of leaf certificates; renewed when a third of it is left. */
  readonly leafLifetimeMs?: number;
  /** Told what changed that a person should know: a policy file updated, or kept as edited. */
  readonly onNote?: (line: string) => void;
}

const caLifetimeMs = 10 * 365 * 24 * 3600_000;
const defaultLeafLifetimeMs = 24 * 3600_000;

/** The file layout of the trust domain in `dir`. */
export function trustDomainAt(dir: string, manifest: TrustDomainManifest): TrustDomain {
  return {
    ...manifest,
    dir,
    caFile: path.join(dir, "ca.pem"),
    certFile: (workload) => path.join(dir, workload, "cert.pem"),
    keyFile: (workload) => path.join(dir, workload, "key.pem"),
    policyFile: (service) => path.join(dir, "policies", `${service}.json`),
  };
}

/**
 * Creates the trust domain on first use (root, leaves, default policies, manifest), and on later
 * starts keeps what is there, renewing leaves that are due. A policy file still holding the
 * default an earlier version wrote gets this version's (reconcilePolicyFile); an edited one is
 * kept, with this version's default beside it and a note, so local edits survive restarts and
 * upgrades.
 */
export async function ensureTrustDomain(options: TrustDomainOptions): Promise<TrustDomain> {
  const manifestFile = path.join(options.dir, "trust-domain.json");
  const existing = existsSync(manifestFile)
    ? (JSON.parse(await readFile(manifestFile, "utf8")) as TrustDomainManifest)
    : undefined;
  const trustDomain = existing?.trustDomain ?? options.trustDomain ?? "shopmesh.local";
  const namespace = existing?.namespace ?? options.namespace ?? "local";
  // A domain made before a workload existed (the edge) gains its identity; the rest are kept.
  const identities = Object.fromEntries(
    workloads.map((name) => [
      name,
      existing?.identities[name] ??
        formatSpiffeId({ trustDomain, namespace, serviceAccount: name }),
    ]),
  ) as Record<Workload, string>;
  const identityManifest: TrustDomainManifest = { trustDomain, namespace, identities };
  const domain = trustDomainAt(options.dir, identityManifest);
  await mkdir(path.join(options.dir, "policies"), { recursive: true });
  const caKeyFile = path.join(options.dir, "ca-key.pem");
  if (!existsSync(caKeyFile) || !existsSync(domain.caFile)) {
    const ca = await createCertificateAuthority({
      trustDomain,
      lifetimeMs: caLifetimeMs,
    });
    await writeAtomically(caKeyFile, ca.key, 0o600);
    await writeAtomically(domain.caFile, ca.cert);
  }
  await renewDueLeaves(domain, options.leafLifetimeMs ?? defaultLeafLifetimeMs);
  const policies = defaultPolicies({
    trustDomain,
    order: identities.order,
    operator: identities.operator,
    edge: identities.edge,
  });
  const policyDefaults: Partial<Record<MeshServer, string>> = { ...existing?.policyDefaults };
  for (const [name, policy] of Object.entries(policies)) {
    const service = name as MeshServer;
    const file = domain.policyFile(service);
    const wanted = { file, text: `${JSON.stringify(policy, null, 2)}\n` };
    const outcome = await reconcilePolicyFile(wanted, policyDefaults[service], writeAtomically);
    if (outcome.kind === "kept") {
      options.onNote?.(
        `authorization policy ${file} kept as it is: it is not this version's default (edited, or written by an older version), so methods added since may be denied; this version's default is in ${outcome.defaultFile} (move it over the file to take it)`,
      );
      continue;
    }
    if (outcome.kind === "updated")
      options.onNote?.(`authorization policy ${file} updated to this version's default`);
    policyDefaults[service] = outcome.sha256;
  }
  const manifest: TrustDomainManifest = { ...identityManifest, policyDefaults };
  await writeAtomically(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return trustDomainAt(options.dir, manifest);
}

/**
 * Issues a new leaf for every workload whose certificate is missing, unreadable, or past two
 * thirds of its life; returns the workloads renewed.
 */
export async function renewDueLeaves(
  domain: TrustDomain,
  leafLifetimeMs: number,
): Promise<Workload[]> {
  const renewed: Workload[] = [];
  for (const workload of workloads) {
    if (!(await isDue(domain.certFile(workload)))) continue;
    await issueLeaf(domain, workload, leafLifetimeMs);
    renewed.push(workload);
  }
  return renewed;
}

/**
 * Issues `workload` a new certificate and key and writes them over the old ones (key first:
 * until the certificate follows, the pair does not match and readers keep the old one).
 */
export async function issueLeaf(
  domain: TrustDomain,
  workload: Workload,
  leafLifetimeMs: number,
): Promise<{ serial: string }> {
  const ca: PemPair = {
    cert: await readFile(domain.caFile, "utf8"),
    key: await readFile(path.join(domain.dir, "ca-key.pem"), "utf8"),
  };
  const leaf = await issueWorkloadCertificate(ca, {
    spiffeId: domain.identities[workload],
    dnsNames: [workload, "localhost"],
    lifetimeMs: leafLifetimeMs,
  });
  await mkdir(path.dirname(domain.certFile(workload)), { recursive: true });
  await writeAtomically(domain.keyFile(workload), leaf.key, 0o600);
  await writeAtomically(domain.certFile(workload), leaf.cert);
  return { serial: leaf.serial };
}

/**
 * Renews leaves while `make run` runs: checks every `checkEveryMs`, renews those past two
 * thirds of their life. Returns the stop function.
 */
export function keepLeavesFresh(
  domain: TrustDomain,
  options: {
    leafLifetimeMs?: number;
    checkEveryMs?: number;
    onRenewed?: (names: Workload[]) => void;
  },
): () => void {
  const timer = setInterval(() => {
    renewDueLeaves(domain, options.leafLifetimeMs ?? defaultLeafLifetimeMs).then(
      (renewed) => {
        if (renewed.length > 0) options.onRenewed?.(renewed);
      },
      (error: unknown) => console.error(`certificate renewal failed: ${String(error)}`),
    );
  }, options.checkEveryMs ?? 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** The environment that gives a service its identity, trust and policy in this domain. */
export function trustEnvironment(domain: TrustDomain, service: MeshServer): Record<string, string> {
  return {
    ...clientTrustEnvironment(domain, service),
    AUTHZ_POLICY_FILE: domain.policyFile(service),
    // The edge, by its certificate, is the one caller that may act for end users.
    END_USER_PEERS: domain.identities.edge,
  };
}

/** What a client of the mesh needs: its certificate, the CA, and who each server must be. */
export function clientTrustEnvironment(
  domain: TrustDomain,
  workload: Workload,
): Record<string, string> {
  return {
    // The chart's default as well; explicit, so the simulation is mTLS whatever the chart says.
    INSECURE_PLAINTEXT: "false",
    TLS_CERT_FILE: domain.certFile(workload),
    TLS_KEY_FILE: domain.keyFile(workload),
    TLS_CA_FILE: domain.caFile,
    TRUST_DOMAIN: domain.trustDomain,
    USER_SERVICE_IDENTITY: domain.identities.user,
    PRODUCT_SERVICE_IDENTITY: domain.identities.product,
    ORDER_SERVICE_IDENTITY: domain.identities.order,
  };
}

async function isDue(certFile: string): Promise<boolean> {
  try {
    const certificate = new X509Certificate(await readFile(certFile));
    const from = Date.parse(certificate.validFrom);
    const to = Date.parse(certificate.validTo);
    return Date.now() > from + ((to - from) * 2) / 3;
  } catch {
    return true;
  }
}

// Readers never see a half-written file: write beside it, then rename over it.
async function writeAtomically(file: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode });
  await chmod(temporary, mode);
  await rename(temporary, file);
}
