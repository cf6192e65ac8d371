// services/kit/telemetry: explicit named exports (no export *).
export { createLogger, type Logger, logFlushIntervalMs, logLevels } from "./logger.js";
export { eventCounter, instrumentService, type MeasuredParts } from "./metrics.js";
export { type CallSpan, type ClientSpan, clientSpans, serverSpans } from "./rpc-spans.js";
export {
  registerTelemetryShutdown,
  shutdownTelemetry,
  spanEvent,
  traceFields,
} from "./telemetry.js";
export {
  boundedFlush,
  collectorReachable,
  type FlushOutcome,
  otlpTracesEndpoint,
  telemetryFlushBoundMs,
} from "./telemetry-flush.js";
