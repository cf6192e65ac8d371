import { readFileSync } from "node:fs";

/** One environment variable: its name, how to read it, and its value when unset. */
export interface Setting<T> {
  readonly env: string;
  readonly parse: (raw: string) => T;
  /** Used when the variable is unset or empty; without it the variable is required. */
  readonly default?: T;
  /** Shown in error messages; secrets are never echoed back. */
  readonly secret?: boolean;
  /**
   * Also read from the file named by `<env>_FILE` (a mounted Kubernetes Secret), so the secret
   * need not sit in the environment, where `/proc/<pid>/environ` and crash reports show it.
   */
  readonly fromFile?: boolean;
}

type Values<S> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** Thrown when configuration is missing or malformed; lists every bad variable at once. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Reads settings from the environment once, into a frozen object. Empty counts as unset, as in
 * OpenTelemetry's configuration; every problem is reported together with the rule it broke.
 */
export function readConfig<S extends Record<string, Setting<unknown>>>(
  settings: S,
  environment: NodeJS.ProcessEnv = process.env,
): Values<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(settings)) {
    let raw: string;
    try {
      raw = rawValue(setting, environment);
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    if (raw === "") {
      if ("default" in setting) values[key] = setting.default;
      else problems.push(`${setting.env} is required`);
      continue;
    }
    try {
      values[key] = setting.parse(raw);
    } catch (error) {
      const shown = setting.secret ? "(hidden)" : JSON.stringify(raw);
      problems.push(`${setting.env}=${shown}: ${error instanceof Error ? error.message : error}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`bad configuration: ${problems.join("; ")}`);
  return Object.freeze(values) as Values<S>;
}

/** The setting's text from its variable or, when allowed, from the file `<env>_FILE` names. */
function rawValue(setting: Setting<unknown>, environment: NodeJS.ProcessEnv): string {
  const inline = environment[setting.env]?.trim() ?? "";
  const file = setting.fromFile ? (environment[`${setting.env}_FILE`]?.trim() ?? "") : "";
  if (file === "") return inline;
  if (inline !== "") throw new Error(`set ${setting.env} or ${setting.env}_FILE, not both`);
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`${setting.env}_FILE=${JSON.stringify(file)}: cannot be read (${reason})`);
  }
}

/** A whole number within [min, max]. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`must be a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

/** A TCP port; 0 asks the system for a free one. */
export const port = integer(0, 65535);

/** Any non-empty text. */
export function text(raw: string): string {
  return raw;
}

/** Comma-separated words, blanks dropped: `a, b,c` → `["a", "b", "c"]`. */
export function list(raw: string): readonly string[] {
  return raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

/** One of the listed words. */
export function oneOf<const T extends string>(...choices: T[]): (raw: string) => T {
  return (raw) => {
    if (!(choices as string[]).includes(raw))
      throw new Error(`must be one of ${choices.join(", ")}`);
    return raw as T;
  };
}

/** `true` or `false`. */
export function boolean(raw: string): boolean {
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new Error("must be true or false");
}

/** A postgres:// or postgresql:// URL. */
export function postgresUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error("must be a URL such as postgres://user:password@host:5432/database");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new Error("must start with postgres:// or postgresql://");
  }
  return raw;
}

/** A gRPC target: `host:port`, `dns:///host:port`, `ipv4:…`, `unix:…`. */
export function grpcTarget(raw: string): string {
  if (!/^(dns:|ipv4:|ipv6:|unix:)|^[^\s/]+:\d+$/.test(raw)) {
    throw new Error("must be a gRPC target such as localhost:50051 or dns:///name:50051");
  }
  return raw;
}
