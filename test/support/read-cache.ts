import { vi } from "vitest";
import {
  type ReadCache,
  readCacheSettings,
  startReadCache,
} from "../../services/kit/cache/index.js";
import { createLogger, type Pool, readConfig } from "../../services/kit/index.js";

/**
 * expect.poll's (and vi.waitFor's) bounds for a committed write to reach a listening cache (PostgreSQL's NOTIFY):
 * milliseconds when idle, generous for a loaded machine; polled often, so a pass is quick.
 */
export const untilNotified = { timeout: 5_000, interval: 10 } as const;

/** A read cache of `service` on `pool`'s database (settings from `env`), once it listens. */
export async function startListening(
  pool: Pool,
  service: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ReadCache> {
  const url = (pool.options as { connectionString: string }).connectionString;
  const config = { ...readConfig(readCacheSettings, env), databaseUrl: url };
  const started = startReadCache(service, config, createLogger("test", "silent"));
  // vi.waitFor, not expect.poll: this runs in beforeAll, where expect.poll may not.
  await vi.waitFor(() => {
    if (!started.cache.serving) throw new Error("the read cache does not listen");
  }, untilNotified);
  return started;
}
