/** A workload identity in the Kubernetes SPIFFE form `spiffe://<td>/ns/<namespace>/sa/<account>`. */
export interface SpiffeId {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

// DNS-label-like segments: what Kubernetes allows for namespaces and service accounts, and what
// the SPIFFE spec allows for trust domains (lowercase letters, digits, dots, dashes, underscores).
const trustDomainPattern = /^[a-z0-9._-]{1,255}$/;
const segmentPattern = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

/** `spiffe://<td>/ns/<namespace>/sa/<account>` of `id`. */
export function formatSpiffeId(id: SpiffeId): string {
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/**
 * Reads a SPIFFE ID of the Kubernetes form; throws an Error naming the rule it breaks. Other
 * SPIFFE paths are valid SPIFFE but carry no namespace and account, so shopmesh refuses them.
 */
export function parseSpiffeId(raw: string): SpiffeId {
  const match = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(raw);
  if (!match) throw new Error("must look like spiffe://<trust-domain>/ns/<namespace>/sa/<account>");
  const [, trustDomain = "", namespace = "", serviceAccount = ""] = match;
  if (!trustDomainPattern.test(trustDomain)) {
    throw new Error(`trust domain "${trustDomain}": lowercase letters, digits, ".", "-", "_" only`);
  }
  for (const [what, value] of [
    ["namespace", namespace],
    ["service account", serviceAccount],
  ] as const) {
    if (!segmentPattern.test(value)) {
      throw new Error(`${what} "${value}": lowercase letters, digits, ".", "-" only`);
    }
  }
  return { trustDomain, namespace, serviceAccount };
}

/** A configuration parser: a SPIFFE ID, kept as its canonical string. */
export function spiffeIdSetting(raw: string): string {
  return formatSpiffeId(parseSpiffeId(raw));
}

/** A configuration parser: a trust domain name such as `cluster.local`. */
export function trustDomainSetting(raw: string): string {
  if (!trustDomainPattern.test(raw)) {
    throw new Error('must be lowercase letters, digits, ".", "-", "_" (e.g. cluster.local)');
  }
  return raw;
}
