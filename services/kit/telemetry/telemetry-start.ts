import { createRequire } from "node:module";
import { context, metrics, propagation, type TextMapPropagator } from "@opentelemetry/api";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { TelemetrySettings } from "./telemetry-settings.js";

// What NodeSDK set up for the services, assembled from its parts and loaded only as far as the
// settings ask: NodeSDK's module alone loads every exporter it knows (OTLP over gRPC, protobuf
// and JSON, Zipkin, logs, B3, Jaeger), ~0.35 s of every start (bench/README.md).

/**
 * Starts the telemetry `settings` ask for: context propagation always, spans only when they go
 * somewhere, the metrics reader, and pg's instrumentation. Returns how to flush and stop it.
 */
export async function startTelemetry(settings: TelemetrySettings): Promise<() => Promise<void>> {
  const [{ AsyncLocalStorageContextManager }, core, resources] = await Promise.all([
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
  ]);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const propagators: TextMapPropagator[] = settings.propagators.map((name) =>
    name === "tracecontext"
      ? new core.W3CTraceContextPropagator()
      : new core.W3CBaggagePropagator(),
  );
  propagation.setGlobalPropagator(new core.CompositePropagator({ propagators }));
  const detectors = {
    env: resources.envDetector,
    host: resources.hostDetector,
    os: resources.osDetector,
    process: resources.processDetector,
    serviceinstance: resources.serviceInstanceIdDetector,
  };
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: settings.detectors.map((d) => detectors[d]) }));

  const stops: (() => Promise<void>)[] = [];
  if (settings.metrics !== "none") {
    const { MeterProvider, PeriodicExportingMetricReader, ConsoleMetricExporter } = await import(
      "@opentelemetry/sdk-metrics"
    );
    const reader =
      settings.metrics === "prometheus"
        ? new (await import("@opentelemetry/exporter-prometheus")).PrometheusExporter()
        : new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter() });
    const meterProvider = new MeterProvider({ resource, readers: [reader] });
    metrics.setGlobalMeterProvider(meterProvider);
    stops.push(() => meterProvider.shutdown());
  }
  if (settings.traces !== "none") {
    const [{ NodeTracerProvider, BatchSpanProcessor, SimpleSpanProcessor }, exporter] =
      await Promise.all([import("@opentelemetry/sdk-trace-node"), spanExporter(settings)]);
    // Sampler, span limits and the batch processor's OTEL_BSP_* are read by the SDK itself.
    const tracerProvider = new NodeTracerProvider({
      resource,
      spanProcessors: [
        settings.traces === "console"
          ? new SimpleSpanProcessor(exporter)
          : new BatchSpanProcessor(exporter),
      ],
    });
    tracerProvider.register({ contextManager: null, propagator: null });
    stops.push(() => tracerProvider.shutdown());
  }
  // pg: a span per query under the call's span, and the pool's metrics (db.client.connection.*).
  const [{ registerInstrumentations }, { PgInstrumentation }] = await Promise.all([
    import("@opentelemetry/instrumentation"),
    import("@opentelemetry/instrumentation-pg"),
  ]);
  // Only queries made while serving a call: pool pings and migrations would be noise.
  registerInstrumentations({
    instrumentations: [new PgInstrumentation({ requireParentSpan: true })],
  });
  // pg loaded here, by require, is patched in place (its Client and pg-pool prototypes), and our
  // ESM import of it later gets this same module. This replaces import-in-the-middle's loader
  // hook, through which every later import crossed a thread: ~0.4 s of CPU per start.
  createRequire(import.meta.url)("pg");
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}

async function spanExporter(settings: TelemetrySettings): Promise<SpanExporter> {
  if (settings.traces === "console") {
    return new (await import("@opentelemetry/sdk-trace-base")).ConsoleSpanExporter();
  }
  switch (settings.otlpProtocol) {
    case "grpc":
      return new (await import("@opentelemetry/exporter-trace-otlp-grpc")).OTLPTraceExporter();
    case "http/json":
      return new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter();
    case "http/protobuf":
      return new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter();
  }
}
