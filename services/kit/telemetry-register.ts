// Loaded before anything else with `node --import ./dist/bundle/kit/telemetry-register.js`, so
// that pg is instrumented before it loads (the kit makes the gRPC spans itself). Configured by
// the standard OTEL_* variables; below are only shopmesh's defaults for those left unset.
import path from "node:path";
import { registerTelemetryShutdown } from "./telemetry/telemetry.js";
import { readTelemetrySettings, type TelemetrySettings } from "./telemetry/telemetry-settings.js";

// The service is the folder of the entry point: dist/bundle/order/main.js → "order".
const service = path.basename(path.dirname(process.argv[1] ?? "")) || "unknown";
const metricsPorts: Record<string, string> = {
  user: "9461",
  product: "9462",
  order: "9463",
  edge: "9464",
};
const defaults: Record<string, string> = {
  OTEL_SERVICE_NAME: `${service}-service`,
  // Metrics are scraped (Prometheus, on their own port); traces are pushed (OTLP, e.g. to Jaeger).
  OTEL_METRICS_EXPORTER: "prometheus",
  OTEL_EXPORTER_PROMETHEUS_HOST: "0.0.0.0",
  OTEL_EXPORTER_PROMETHEUS_PORT: metricsPorts[service] ?? "9464",
  // Logs go to stdout as JSON lines, with trace_id and span_id.
  OTEL_LOGS_EXPORTER: "none",
};
for (const [name, value] of Object.entries(defaults)) {
  if (!process.env[name]) process.env[name] = value;
}

// Switched off, telemetry costs nothing: not even loading the SDK.
if (process.env.OTEL_SDK_DISABLED !== "true") {
  let settings: TelemetrySettings;
  try {
    settings = readTelemetrySettings();
  } catch (error) {
    process.stderr.write(`${service} service: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const { startTelemetry } = await import("./telemetry/telemetry-start.js");
  // The service flushes spans and metrics last in its graceful shutdown: none lost on SIGTERM.
  registerTelemetryShutdown(await startTelemetry(settings));
}
