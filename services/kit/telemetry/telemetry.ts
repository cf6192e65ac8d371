import { type Attributes, isSpanContextValid, trace } from "@opentelemetry/api";
import { boundedFlush } from "./telemetry-flush.js";

/**
 * Records an event on the span of the call being served (or made), so that breaker rejections,
 * retries, load shedding and injected faults show in the trace where they happened. A no-op
 * when tracing is off.
 */
export function spanEvent(name: string, attributes: Attributes = {}): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}

/** `trace_id` and `span_id` of the active span, for log lines; empty outside any span. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

const shutdownKey = Symbol.for("shopmesh.telemetry.shutdown");
type WithShutdown = { [shutdownKey]?: () => Promise<void> };

/** Called by the `--import`ed telemetry entry: how to flush and stop the SDK it started. */
export function registerTelemetryShutdown(shutdown: () => Promise<void>): void {
  (globalThis as WithShutdown)[shutdownKey] = shutdown;
}

/**
 * Exports what is buffered and stops telemetry; nothing to do when none was started. The wait is
 * bounded, and skipped when the collector is unreachable (the default endpoint with no Jaeger
 * running): a collector that is not there must not hold up a shutdown.
 */
export async function shutdownTelemetry(): Promise<void> {
  const shutdown = (globalThis as WithShutdown)[shutdownKey];
  if (!shutdown) return;
  const outcome = await boundedFlush(shutdown);
  if (outcome === "timed out" || outcome === "failed") {
    process.stderr.write(`telemetry: span export at exit ${outcome}; unsent spans dropped\n`);
  }
}
