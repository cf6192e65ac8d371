import { boolean, integer } from "../config.js";
import type { Logger } from "../telemetry/logger.js";
import { measureReadCache } from "./cache-metrics.js";
import { CoherentCache } from "./coherent-cache.js";
import { InvalidationListener } from "./invalidation-listener.js";
import { invalidationChannel } from "./invalidation-trigger.js";

/** The read cache's settings, for a service to add to its own (see README "Read cache"). */
export const readCacheSettings = {
  // 0 turns the cache off: every read goes to PostgreSQL.
  cacheMaxEntries: { env: "CACHE_MAX_ENTRIES", parse: integer(0), default: 20_000 },
  cacheMaxBytes: { env: "CACHE_MAX_BYTES", parse: integer(0), default: 16 * 1024 * 1024 },
  cacheListenerRetryMs: { env: "CACHE_LISTENER_RETRY_MS", parse: integer(10), default: 1_000 },
  cacheListenerPingMs: { env: "CACHE_LISTENER_PING_MS", parse: integer(100), default: 5_000 },
  // Skips the cache entirely (no listener connection), e.g. to measure what it saves.
  cacheEnabled: { env: "CACHE_ENABLED", parse: boolean, default: true },
};

/** Values of {@link readCacheSettings}. */
export interface ReadCacheConfig {
  readonly cacheMaxEntries: number;
  readonly cacheMaxBytes: number;
  readonly cacheListenerRetryMs: number;
  readonly cacheListenerPingMs: number;
  readonly cacheEnabled: boolean;
  readonly databaseUrl: string;
}

/** A service's running read cache. */
export interface ReadCache {
  readonly cache: CoherentCache;
  /** Stops listening (the cache reads through from then on). */
  close(): Promise<void>;
}

/**
 * Starts a {@link CoherentCache} fed by a dedicated LISTEN connection to the service's database.
 * It serves nothing until LISTEN is in effect, and drops everything and reads through whenever
 * the connection is lost, until it is back.
 */
export function startReadCache(
  service: string,
  config: ReadCacheConfig,
  logger: Logger,
): ReadCache {
  const cache = new CoherentCache({
    maxEntries: config.cacheMaxEntries,
    maxBytes: config.cacheMaxBytes,
  });
  if (!config.cacheEnabled || config.cacheMaxEntries === 0 || config.cacheMaxBytes === 0) {
    logger.info("read cache off (CACHE_ENABLED / CACHE_MAX_ENTRIES / CACHE_MAX_BYTES)");
    return { cache, close: async () => {} };
  }
  measureReadCache(cache);
  const listener = new InvalidationListener(
    {
      url: config.databaseUrl,
      channel: invalidationChannel,
      applicationName: `shopmesh-${service}-cache`,
      retryMs: config.cacheListenerRetryMs,
      pingMs: config.cacheListenerPingMs,
    },
    {
      up: (backendPid) => {
        cache.feedUp();
        logger.info({ listener_pid: backendPid }, "read cache on: listening for invalidations");
      },
      down: (reason) => {
        cache.feedDown();
        logger.warn({ err: reason }, "read cache off: invalidation listener lost, reading through");
      },
      message: (key) => cache.invalidate(key),
    },
  );
  return { cache, close: () => listener.close() };
}
