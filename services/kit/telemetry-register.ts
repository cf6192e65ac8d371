// Loaded before anything else with `node --import ./dist/services/kit/telemetry-register.js`, so
// that grpc-js and pg are instrumented before they load. Configured by the standard OTEL_*
// variables; below are only shopmesh's defaults for those left unset.
import { register } from "node:module";
import path from "node:path";
import { registerTelemetryShutdown } from "./telemetry/telemetry.js";

// The service is the folder of the entry point: dist/services/order/main.js → "order".
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

// Switched off, telemetry costs nothing: not even loading the SDK (~0.6 s of start-up).
if (process.env.OTEL_SDK_DISABLED !== "true") {
  // Our code is ESM: import-in-the-middle lets the instrumentations patch modules it imports.
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  const [{ NodeSDK }, { GrpcInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/instrumentation-grpc"),
    import("@opentelemetry/instrumentation-pg"),
  ]);
  const sdk = new NodeSDK({
    instrumentations: [
      new GrpcInstrumentation(),
      // Only queries made while serving a call: pool pings and migrations would be noise.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  // The service flushes spans and metrics last in its graceful shutdown: none lost on SIGTERM.
  registerTelemetryShutdown(() => sdk.shutdown());
}
