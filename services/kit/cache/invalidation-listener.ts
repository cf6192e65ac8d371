import pg from "pg";

/** Where an {@link InvalidationListener} connects, and how it keeps the connection honest. */
export interface ListenerOptions {
  readonly url: string;
  /** The NOTIFY channel the writers' trigger sends on. */
  readonly channel: string;
  /** Reported to PostgreSQL (pg_stat_activity), so an operator can find the connection. */
  readonly applicationName: string;
  /** Wait between a lost connection and the next try. */
  readonly retryMs: number;
  /** How often a silent connection is checked with a query (a half-open socket shows nothing). */
  readonly pingMs: number;
}

/** What an {@link InvalidationListener} reports. */
export interface ListenerEvents {
  /** LISTEN is in effect: every commit from now on is reported; `backendPid` names the session. */
  up(backendPid: number): void;
  /** The connection is gone: notifications may be lost until the next `up`. */
  down(reason: Error): void;
  /** One notification's payload. */
  message(payload: string): void;
}

/**
 * One dedicated connection that LISTENs on a channel, reconnecting after a loss. It says `up`
 * only once LISTEN succeeded and `down` as soon as it learns the connection is gone (an error,
 * its end, or a failed ping), so a cache fed by it knows exactly when it may trust itself.
 */
export class InvalidationListener {
  private client: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly options: ListenerOptions,
    private readonly events: ListenerEvents,
  ) {
    void this.connect();
  }

  /** Stops listening for good. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const { options } = this;
    const bound = Math.max(500, Math.min(options.pingMs, 5_000));
    const client = new pg.Client({
      connectionString: options.url,
      application_name: options.applicationName,
      connectionTimeoutMillis: bound,
      query_timeout: bound,
      keepAlive: true,
    });
    let lost = false;
    const lose = (reason: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      clearInterval(this.pingTimer);
      void client.end().catch(() => {});
      if (this.closed) return;
      this.events.down(reason);
      this.retryTimer = setTimeout(() => void this.connect(), options.retryMs);
      this.retryTimer.unref();
    };
    client.on("error", lose);
    client.on("end", () => lose(new Error("listener connection ended")));
    client.on("notification", (notification) => {
      if (!lost && notification.channel === options.channel) {
        this.events.message(notification.payload ?? "");
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(options.channel)}`);
    } catch (error) {
      lose(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (lost) return;
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.pingTimer = setInterval(() => {
      client.query("SELECT 1").catch(lose);
    }, options.pingMs);
    this.pingTimer.unref();
    this.events.up((client as unknown as { processID: number }).processID);
  }
}
