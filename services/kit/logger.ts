import { type Logger, pino } from "pino";
import { traceFields } from "./telemetry.js";

export type { Logger };

/** Log levels accepted by LOG_LEVEL. */
export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** A JSON logger (one object per line on stdout) naming the service, and the trace if any. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Every line written while serving a call names its trace: paste the id into Jaeger.
    mixin: traceFields,
  });
}
