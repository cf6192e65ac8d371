// The gRPC authorization policy format (gRFC A43), read as grpc-go's authz package reads it, so
// one file works with every gRPC runtime that implements A43.

/** How one policy string matches: `*` any non-empty, `prefix*`, `*suffix`, else exact. */
export interface StringMatch {
  readonly kind: "exact" | "prefix" | "suffix" | "present";
  readonly value: string;
}

/** One deny or allow rule: every listed part must match (an absent part matches anything). */
export interface AuthzRule {
  readonly name: string;
  /** Any of these principals; undefined = any caller, even one without a certificate. */
  readonly principals: readonly StringMatch[] | undefined;
  /** Any of these method paths; undefined = every method. */
  readonly paths: readonly StringMatch[] | undefined;
  /** Every header must have a value matching one of its patterns. */
  readonly headers: readonly { readonly key: string; readonly values: readonly StringMatch[] }[];
}

/** A parsed policy: deny rules are checked first; a call no allow rule matches is denied. */
export interface AuthzPolicy {
  readonly name: string;
  readonly denyRules: readonly AuthzRule[];
  readonly allowRules: readonly AuthzRule[];
}

// Headers a policy may not name (as grpc-go): pseudo-headers, grpc-*, hop-by-hop ones.
const unsupportedHeaders = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Thrown for a policy that cannot be used; the message names the field and the rule. */
export class PolicyError extends Error {
  override readonly name = "PolicyError";
}

/** Parses an A43 JSON policy; unknown fields are errors, as in grpc-go. */
export function parseAuthzPolicy(json: string): AuthzPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new PolicyError(`not JSON: ${(error as Error).message}`);
  }
  // audit_logging_options is part of A59 (audit logging): accepted so that such files load,
  // not acted on.
  const policy = object(raw, "policy", [
    "name",
    "deny_rules",
    "allow_rules",
    "audit_logging_options",
  ]);
  const name = nonEmptyString(policy.name, "name");
  if (!Array.isArray(policy.allow_rules) || policy.allow_rules.length === 0) {
    throw new PolicyError("allow_rules: must be a non-empty array");
  }
  return {
    name,
    denyRules: rules(policy.deny_rules ?? [], "deny_rules"),
    allowRules: rules(policy.allow_rules, "allow_rules"),
  };
}

function rules(raw: unknown, where: string): AuthzRule[] {
  if (!Array.isArray(raw)) throw new PolicyError(`${where}: must be an array`);
  const seen = new Set<string>();
  return raw.map((entry, index) => {
    const at = `${where}[${index}]`;
    const rule = object(entry, at, ["name", "source", "request"]);
    const name = nonEmptyString(rule.name, `${at}.name`);
    if (seen.has(name)) throw new PolicyError(`${at}.name: "${name}" is used twice`);
    seen.add(name);
    const source = object(rule.source ?? {}, `${at}.source`, ["principals"]);
    const request = object(rule.request ?? {}, `${at}.request`, ["paths", "headers"]);
    return {
      name,
      principals: optionalPatterns(source.principals, `${at}.source.principals`),
      paths: optionalPatterns(request.paths, `${at}.request.paths`),
      headers: headers(request.headers ?? [], `${at}.request.headers`),
    };
  });
}

function headers(raw: unknown, where: string): AuthzRule["headers"] {
  if (!Array.isArray(raw)) throw new PolicyError(`${where}: must be an array`);
  return raw.map((entry, index) => {
    const at = `${where}[${index}]`;
    const header = object(entry, at, ["key", "values"]);
    const key = nonEmptyString(header.key, `${at}.key`).toLowerCase();
    if (key.startsWith(":") || key.startsWith("grpc-") || unsupportedHeaders.has(key)) {
      throw new PolicyError(`${at}.key: "${key}" cannot be matched (pseudo, grpc- or hop-by-hop)`);
    }
    const values = optionalPatterns(header.values, `${at}.values`);
    if (!values || values.length === 0) throw new PolicyError(`${at}.values: must be non-empty`);
    return { key, values };
  });
}

function optionalPatterns(raw: unknown, where: string): StringMatch[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw new PolicyError(`${where}: must be an array of strings`);
  // An empty list is what grpc-go sees as absent: anything matches.
  if (raw.length === 0) return undefined;
  return raw.map((value, index) => pattern(nonEmptyString(value, `${where}[${index}]`)));
}

/** How `value` matches, in A43's pattern syntax. */
export function pattern(value: string): StringMatch {
  if (value === "*") return { kind: "present", value: "" };
  if (value.endsWith("*")) return { kind: "prefix", value: value.slice(0, -1) };
  if (value.startsWith("*")) return { kind: "suffix", value: value.slice(1) };
  return { kind: "exact", value };
}

function object(raw: unknown, where: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new PolicyError(`${where}: must be an object`);
  }
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      throw new PolicyError(`${where}: unknown field "${key}" (known: ${allowed.join(", ")})`);
    }
  }
  return raw as Record<string, unknown>;
}

function nonEmptyString(raw: unknown, where: string): string {
  if (typeof raw !== "string" || raw === "")
    throw new PolicyError(`${where}: must be a non-empty string`);
  return raw;
}
