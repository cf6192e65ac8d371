import pg from "pg";

/**
 * Pings the database every `intervalMs` over a connection of its own and reports each change of
 * reachability, so the server's health follows its database (NOT_SERVING while it is
 * unreachable). Not through the pool: a pool saturated by slow queries is load, not an outage,
 * and pings queued behind it would turn every replica NOT_SERVING at once.
 */
export function monitorDatabase(
  url: string,
  intervalMs: number,
  onChange: (reachable: boolean) => void,
): { stop(): Promise<void> } {
  // Short, so a hung database shows soon; not so short that a busy machine's connect fails it.
  const timeoutMs = Math.max(500, Math.min(intervalMs, 2_000));
  let client: pg.Client | undefined;
  let last: boolean | undefined;
  let stopped = false;
  const ping = async (): Promise<boolean> => {
    try {
      if (!client) {
        const fresh = new pg.Client({
          connectionString: url,
          application_name: "shopmesh-health",
          connectionTimeoutMillis: timeoutMs,
          query_timeout: timeoutMs,
          statement_timeout: timeoutMs,
        });
        fresh.on("error", () => {}); // a dropped connection fails the next ping instead
        client = fresh;
        await fresh.connect();
      }
      await client.query("SELECT 1");
      return true;
    } catch {
      // A new connection next time: this one may be half-open or timed out mid-query.
      void client?.end().catch(() => {});
      client = undefined;
      return false;
    }
  };
  const check = async () => {
    const reachable = await ping();
    if (stopped) return;
    if (reachable !== last) onChange(reachable);
    last = reachable;
    timer = setTimeout(check, intervalMs);
    timer.unref();
  };
  let timer = setTimeout(check, 0);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
