import { type Logger, pino } from "pino";
import { traceFields } from "./telemetry.js";

export type { Logger };

/** Log levels accepted by LOG_LEVEL. */
export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** At most this long between a line being logged and its write to stdout. */
export const logFlushIntervalMs = 200;

/**
 * A JSON logger (one object per line on stdout) naming the service, and the trace if any.
 *
 * Lines are buffered and written in chunks of 4 KiB, or every 200 ms when traffic is light:
 * one write(2) per line cost 15–20% of a service's CPU under load (bench/README.md). pino
 * flushes the buffer when the process exits (a drained SIGTERM ends in exit, so does an
 * uncaught exception); a SIGKILL or an OOM kill loses at most the last 200 ms of lines.
 */
export function createLogger(service: string, level: string): Logger {
  const stdout = pino.destination({
    dest: 1,
    sync: false,
    minLength: 4096,
    periodicFlush: logFlushIntervalMs,
  });
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Every line written while serving a call names its trace: paste the id into Jaeger.
      mixin: traceFields,
    },
    stdout,
  );
}
