import { setTimeout as sleep } from "node:timers/promises";
import { logFlushIntervalMs } from "../../services/kit/index.js";

/**
 * Waits until service processes have written what they logged so far: they buffer log lines
 * and write them at least every `logFlushIntervalMs` (services/kit/logger.ts). A test that counts
 * log lines right after the calls that made them waits for this first.
 */
export function logsWritten(): Promise<void> {
  return sleep(2 * logFlushIntervalMs);
}
