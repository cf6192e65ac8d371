import type { Pool } from "./database.js";

/**
 * Pings the database every `intervalMs` and reports each change of reachability, so the
 * server's health follows its database (NOT_SERVING while it is unreachable).
 */
export function monitorDatabase(
  pool: Pool,
  intervalMs: number,
  onChange: (reachable: boolean) => void,
): { stop(): void } {
  let last: boolean | undefined;
  let stopped = false;
  const check = async () => {
    const reachable = await ping(pool, intervalMs);
    if (stopped) return;
    if (reachable !== last) onChange(reachable);
    last = reachable;
    timer = setTimeout(check, intervalMs);
    timer.unref();
  };
  let timer = setTimeout(check, 0);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

async function ping(pool: Pool, timeoutMs: number): Promise<boolean> {
  let timeout: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timeout = setTimeout(() => resolve(false), timeoutMs);
  });
  const answered = pool.query("SELECT 1").then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timeout);
  }
}
