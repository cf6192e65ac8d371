import { type Logger, pino } from "pino";

export type { Logger };

/** Log levels accepted by LOG_LEVEL. */
export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** A JSON logger (one object per line on stdout) that names the service on every line. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
