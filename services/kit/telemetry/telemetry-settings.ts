// The standard OTEL_* variables the services' telemetry start reads, parsed once: empty means
// unset, a value the start cannot honour is an error naming the variable and what it accepts
// (NodeSDK only warned and carried on with something else).

/** How the services' telemetry is configured. */
export interface TelemetrySettings {
  /** Where spans go; "none" makes no spans (trace context still passes through). */
  readonly traces: "otlp" | "console" | "none";
  /** OTLP wire format of the span exporter. */
  readonly otlpProtocol: "http/protobuf" | "http/json" | "grpc";
  /** How metrics leave the process. */
  readonly metrics: "prometheus" | "console" | "none";
  /** Trace context formats read from and written to call metadata. */
  readonly propagators: readonly ("tracecontext" | "baggage")[];
  /** Resource detectors (OTEL_NODE_RESOURCE_DETECTORS), as NodeSDK names them. */
  readonly detectors: readonly ("env" | "host" | "os" | "process" | "serviceinstance")[];
}

/** A telemetry variable with a value the services cannot honour. */
export class TelemetrySettingError extends Error {
  override readonly name = "TelemetrySettingError";
}

type Env = Readonly<Record<string, string | undefined>>;

function list(env: Env, name: string): string[] | undefined {
  const items = (env[name] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items.length > 0 ? items : undefined;
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new TelemetrySettingError(`${name}="${value}": use one of ${allowed.join(", ")}`);
}

function single(env: Env, name: string): string | undefined {
  const items = list(env, name);
  if (items && items.length > 1) {
    throw new TelemetrySettingError(`${name}="${env[name]}": give one value, not a list`);
  }
  return items?.[0];
}

const detectorNames = ["env", "host", "os", "process", "serviceinstance"] as const;

/** Reads the telemetry variables (defaults as NodeSDK's: otlp over http/protobuf, W3C). */
export function readTelemetrySettings(env: Env = process.env): TelemetrySettings {
  const protocolName = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
    : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const propagators = list(env, "OTEL_PROPAGATORS") ?? ["tracecontext", "baggage"];
  const detectors = list(env, "OTEL_NODE_RESOURCE_DETECTORS") ?? ["all"];
  return Object.freeze({
    traces: oneOf(
      "OTEL_TRACES_EXPORTER",
      single(env, "OTEL_TRACES_EXPORTER"),
      ["otlp", "console", "none"],
      "otlp",
    ),
    otlpProtocol: oneOf(
      protocolName,
      env[protocolName]?.trim() || undefined,
      ["http/protobuf", "http/json", "grpc"],
      "http/protobuf",
    ),
    metrics: oneOf(
      "OTEL_METRICS_EXPORTER",
      single(env, "OTEL_METRICS_EXPORTER"),
      ["prometheus", "console", "none"],
      "prometheus",
    ),
    propagators: propagators.includes("none")
      ? []
      : propagators.map((name) =>
          oneOf<"tracecontext" | "baggage">(
            "OTEL_PROPAGATORS",
            name,
            ["tracecontext", "baggage"],
            "tracecontext",
          ),
        ),
    detectors: detectors.includes("all")
      ? detectorNames
      : detectors.includes("none")
        ? []
        : detectors.map((name) =>
            oneOf("OTEL_NODE_RESOURCE_DETECTORS", name, detectorNames, "env"),
          ),
  });
}
