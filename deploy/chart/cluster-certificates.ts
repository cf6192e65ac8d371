// The chart's self-contained certificates (trust.certificates=generated): a CA and a leaf per
// workload, kept as Secrets. Helm's genCA/genSignedCert cannot write a URI SAN (the SPIFFE ID)
// nor an ECDSA leaf, and genCA draws a new CA on every render; so a pre-install/pre-upgrade Job
// runs this with the kit's own issuer, and creates only what is missing or due.
import { X509Certificate } from "node:crypto";
import {
  createCertificateAuthority,
  issueWorkloadCertificate,
  type PemPair,
} from "../../services/kit/trust/certificate-authority.js";
import { checkPair } from "../../services/kit/trust/index.js";
import type { SecretData, SecretStore } from "./kubernetes-secrets.js";

/** What the chart asks the Job to make (env TRUST_ISSUE_PLAN, rendered by the chart). */
export interface IssuePlan {
  readonly namespace: string;
  /** The Secret holding the CA (kubernetes.io/tls: tls.crt, tls.key, ca.crt). */
  readonly caSecret: string;
  readonly trustDomain: string;
  readonly caDays: number;
  readonly leafDays: number;
  /** Labels of every Secret the Job creates. */
  readonly labels: Readonly<Record<string, string>>;
  readonly leaves: readonly LeafPlan[];
}

/** One workload's certificate Secret. */
export interface LeafPlan {
  readonly secret: string;
  readonly spiffeId: string;
  readonly dnsNames: readonly string[];
}

/** What one run did, per Secret name. */
export interface IssueReport {
  readonly ca: "created" | "kept";
  readonly created: string[];
  readonly renewed: { secret: string; reason: string }[];
  readonly kept: string[];
}

const dayMs = 24 * 3600_000;

/** Parses and checks the plan the chart rendered; throws naming the field. */
export function parseIssuePlan(text: string | undefined): IssuePlan {
  if (!text) throw new Error("TRUST_ISSUE_PLAN is not set (the chart's Job sets it)");
  const plan = JSON.parse(text) as Partial<IssuePlan>;
  for (const field of ["namespace", "caSecret", "trustDomain"] as const) {
    if (typeof plan[field] !== "string" || plan[field] === "")
      throw new Error(`TRUST_ISSUE_PLAN.${field} must be a non-empty string`);
  }
  for (const field of ["caDays", "leafDays"] as const) {
    if (!Number.isInteger(plan[field]) || (plan[field] ?? 0) < 1)
      throw new Error(`TRUST_ISSUE_PLAN.${field} must be a whole number of days, at least 1`);
  }
  if (!Array.isArray(plan.leaves) || plan.leaves.length === 0)
    throw new Error("TRUST_ISSUE_PLAN.leaves must list at least one workload");
  for (const [index, leaf] of plan.leaves.entries()) {
    if (!leaf.secret || !leaf.spiffeId?.startsWith(`spiffe://${plan.trustDomain}/`))
      throw new Error(
        `TRUST_ISSUE_PLAN.leaves[${index}] needs a secret and a spiffeId in spiffe://${plan.trustDomain}/`,
      );
  }
  return { labels: {}, ...plan } as IssuePlan;
}

/**
 * Makes the CA Secret when there is none (never replaces one: every running pod trusts it),
 * then each leaf Secret that is missing, from another CA, for another identity or name, or
 * past two thirds of its life. Secrets still good are not written at all.
 */
export async function ensureClusterCertificates(
  store: SecretStore,
  plan: IssuePlan,
  now = Date.now(),
): Promise<IssueReport> {
  const { ca, created: caCreated } = await ensureCa(store, plan);
  const report: IssueReport = {
    ca: caCreated ? "created" : "kept",
    created: [],
    renewed: [],
    kept: [],
  };
  for (const leaf of plan.leaves) {
    const existing = await store.get(leaf.secret);
    const reason = existing ? renewalReason(existing, leaf, ca.cert, now) : "missing";
    if (reason === undefined) {
      report.kept.push(leaf.secret);
      continue;
    }
    const issued = await issueWorkloadCertificate(ca, {
      spiffeId: leaf.spiffeId,
      dnsNames: leaf.dnsNames,
      lifetimeMs: plan.leafDays * dayMs,
    });
    const secret: SecretData = {
      name: leaf.secret,
      type: "kubernetes.io/tls",
      data: { "tls.crt": issued.cert, "tls.key": issued.key, "ca.crt": ca.cert },
      labels: plan.labels,
      ...(existing?.resourceVersion ? { resourceVersion: existing.resourceVersion } : {}),
    };
    const written = existing ? await store.replace(secret) : await store.create(secret);
    if (!written)
      throw new Error(`Secret ${leaf.secret} changed while it was being written: run again`);
    if (existing) report.renewed.push({ secret: leaf.secret, reason });
    else report.created.push(leaf.secret);
  }
  return report;
}

async function ensureCa(
  store: SecretStore,
  plan: IssuePlan,
): Promise<{ ca: PemPair; created: boolean }> {
  const existing = await store.get(plan.caSecret);
  if (existing) return { ca: caOf(existing), created: false };
  const ca = await createCertificateAuthority({
    trustDomain: plan.trustDomain,
    lifetimeMs: plan.caDays * dayMs,
  });
  const created = await store.create({
    name: plan.caSecret,
    type: "kubernetes.io/tls",
    // tls.crt/tls.key: the layout a cert-manager CA Issuer reads, so a cluster can move to
    // cert-manager later and keep this CA (README "Certificates in the chart").
    data: { "tls.crt": ca.cert, "tls.key": ca.key, "ca.crt": ca.cert },
    labels: plan.labels,
  });
  if (created) return { ca, created: true };
  // Another run created it first: use that one, never a second CA.
  const winner = await store.get(plan.caSecret);
  if (!winner) throw new Error(`Secret ${plan.caSecret} vanished while it was being created`);
  return { ca: caOf(winner), created: false };
}

function caOf(secret: SecretData): PemPair {
  const cert = secret.data["tls.crt"];
  const key = secret.data["tls.key"];
  if (!cert || !key)
    throw new Error(
      `Secret ${secret.name} is no CA (it lacks tls.crt or tls.key); left as it is: delete it or name another trust.generated.caSecret`,
    );
  if (!new X509Certificate(cert).ca)
    throw new Error(`Secret ${secret.name}: tls.crt is not a CA certificate; left as it is`);
  return { cert, key };
}

/** Why `secret` must be issued again; undefined when it is still good. */
function renewalReason(
  secret: SecretData,
  leaf: LeafPlan,
  caCert: string,
  now: number,
): string | undefined {
  const { "tls.crt": cert, "tls.key": key, "ca.crt": ca } = secret.data;
  if (!cert || !key || !ca) return "lacks tls.crt, tls.key or ca.crt";
  if (ca.trim() !== caCert.trim()) return "ca.crt is not the current CA";
  let checked: ReturnType<typeof checkPair>;
  try {
    checked = checkPair(
      { certificate: Buffer.from(cert), privateKey: Buffer.from(key), ca: Buffer.from(caCert) },
      now,
    );
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (checked.spiffeId !== leaf.spiffeId) return `names ${checked.spiffeId}, not ${leaf.spiffeId}`;
  const certificate = new X509Certificate(cert);
  const names = (certificate.subjectAltName ?? "")
    .split(", ")
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4));
  if ([...leaf.dnsNames].sort().join() !== names.sort().join()) return "its DNS names changed";
  const from = Date.parse(certificate.validFrom);
  const to = checked.notAfter.getTime();
  if (now > from + ((to - from) * 2) / 3)
    return `past two thirds of its life (ends ${certificate.validTo})`;
  return undefined;
}
