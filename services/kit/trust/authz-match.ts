import type { AuthzPolicy, AuthzRule, StringMatch } from "./authz-policy.js";
import type { PeerIdentity } from "./peer-identity.js";

/** What a policy decides on: the method, who calls (undefined = no certificate), the headers. */
export interface AuthzRequest {
  /** `/package.Service/Method` */
  readonly path: string;
  readonly peer: PeerIdentity | undefined;
  /** A header's values (lowercase key), as many as the caller sent. */
  readonly header: (key: string) => readonly string[];
}

/** The outcome, with the rule that decided (none when nothing allowed the call). */
export interface AuthzDecision {
  readonly allowed: boolean;
  /** `<policy>_<rule>` as grpc-go names its RBAC policies; undefined = no rule matched. */
  readonly rule: string | undefined;
}

/** Deny rules first; then the first allow rule that matches; a call none matches is denied. */
export function authorize(policy: AuthzPolicy, request: AuthzRequest): AuthzDecision {
  const denied = policy.denyRules.find((rule) => ruleMatches(rule, request));
  if (denied) return { allowed: false, rule: `${policy.name}_${denied.name}` };
  const allowed = policy.allowRules.find((rule) => ruleMatches(rule, request));
  if (allowed) return { allowed: true, rule: `${policy.name}_${allowed.name}` };
  return { allowed: false, rule: undefined };
}

function ruleMatches(rule: AuthzRule, request: AuthzRequest): boolean {
  if (rule.principals && !principalMatches(rule.principals, request.peer)) return false;
  if (rule.paths && !rule.paths.some((path) => stringMatches(path, request.path))) return false;
  return rule.headers.every(({ key, values }) => {
    const sent = request.header(key);
    // As grpc-go: several values of one header are matched as one comma-joined value.
    return sent.length > 0 && values.some((value) => stringMatches(value, sent.join(",")));
  });
}

// Authenticated principals as gRPC's RBAC matches them: URI SANs, then DNS SANs, then the
// subject. A caller without a certificate has no principal: only a rule without principals
// can let it in.
function principalMatches(principals: readonly StringMatch[], peer: PeerIdentity | undefined) {
  if (!peer) return false;
  const names = [...peer.uris, ...peer.dnsNames, peer.subject];
  return principals.some((principal) => names.some((name) => stringMatches(principal, name)));
}

/** Whether `value` matches `match`. */
export function stringMatches(match: StringMatch, value: string): boolean {
  switch (match.kind) {
    case "present":
      return value !== "";
    case "prefix":
      return value.startsWith(match.value);
    case "suffix":
      return value.endsWith(match.value);
    case "exact":
      return value === match.value;
  }
}
