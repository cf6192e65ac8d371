import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
// The file itself, not the kit's index: the CLI must not load grpc-js and pg to start.
import { boundedFlush } from "../kit/telemetry/telemetry-flush.js";
import type { CliTracing } from "./tracing.js";

/**
 * Traces each CLI command as the root span of its trace, exported over OTLP/HTTP (same OTEL_*
 * variables as the services); its W3C trace context travels with the call, so the services'
 * spans join the same trace.
 */
export function startSdkTracing(): CliTracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      "service.name": process.env.OTEL_SERVICE_NAME || "shopmesh-cli",
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const tracer = trace.getTracer("shopmesh-cli");
  return {
    traced: (name, work) =>
      tracer.startActiveSpan(name, { kind: SpanKind.CLIENT }, async (span) => {
        try {
          return await work(span.spanContext().traceId);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
          throw error;
        } finally {
          span.end();
        }
      }),
    interceptor: (next) => (request) => {
      propagation.inject(context.active(), request.header, {
        set: (headers, key, value) => headers.set(key, value),
      });
      return next(request);
    },
    // Flushes the span: at once when no collector listens, and never longer than the kit's bound.
    // A collector's trouble must not fail, nor hold up, a command that itself succeeded.
    shutdown: async () => {
      await boundedFlush(() => provider.shutdown());
    },
  };
}
