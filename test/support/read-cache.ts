import {
  type ReadCache,
  readCacheSettings,
  startReadCache,
} from "../../services/kit/cache/index.js";
import { createLogger, type Pool, readConfig } from "../../services/kit/index.js";

/** Waits (up to 2 s) until `done` says so. */
export async function eventually(done: () => Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; !(await done()); tries++) {
    if (tries > 200) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A read cache of `service` on `pool`'s database (settings from `env`), once it listens. */
export async function startListening(
  pool: Pool,
  service: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ReadCache> {
  const url = (pool.options as { connectionString: string }).connectionString;
  const config = { ...readConfig(readCacheSettings, env), databaseUrl: url };
  const started = startReadCache(service, config, createLogger("test", "silent"));
  await eventually(async () => started.cache.serving, "the read cache listens");
  return started;
}
