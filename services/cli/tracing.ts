import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import type { Interceptor } from "@connectrpc/connect";

/** The CLI's tracing: root spans, the header interceptor, and the flush at exit. */
export interface CliTracing {
  /** Runs `work` as the root span `name` of a new trace. */
  traced<T>(name: string, work: (traceId: string) => Promise<T>): Promise<T>;
  /** Sends the active trace context (traceparent) with every call. */
  readonly interceptor: Interceptor;
  /** Exports what is buffered, within the kit's bound. */
  shutdown(): Promise<void>;
}

/**
 * Each CLI command is the root of its trace, its trace id printed, its W3C trace context sent
 * with every call so that the services' spans join that trace. The OpenTelemetry SDK exports
 * the CLI's own span over OTLP/HTTP (same OTEL_* variables as the services); it is loaded only
 * when that span goes somewhere (off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none),
 * because loading it costs a command ~0.5 s of CPU.
 */
export async function startCliTracing(env = process.env): Promise<CliTracing> {
  if (env.OTEL_SDK_DISABLED !== "true" && env.OTEL_TRACES_EXPORTER !== "none") {
    return (await import("./sdk-tracing.js")).startSdkTracing();
  }
  return propagationOnly();
}

/**
 * What the SDK does for a span it exports nowhere: a new trace id and span id per root, sent
 * as a sampled `traceparent` (W3C Trace Context), so the services still record their spans
 * under the id the CLI prints.
 */
function propagationOnly(): CliTracing {
  const active = new AsyncLocalStorage<string>();
  return {
    traced: (_name, work) => {
      const traceId = randomBytes(16).toString("hex");
      const spanId = randomBytes(8).toString("hex");
      return active.run(`00-${traceId}-${spanId}-01`, () => work(traceId));
    },
    interceptor: (next) => (request) => {
      const traceparent = active.getStore();
      if (traceparent) request.header.set("traceparent", traceparent);
      return next(request);
    },
    shutdown: async () => {},
  };
}
