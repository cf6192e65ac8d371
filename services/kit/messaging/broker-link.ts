import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../telemetry/logger.js";
import type { MessagingConfig } from "./messaging-settings.js";

/** The health name under which a service reports its broker link (degraded while down). */
export const brokerHealthName = "events-broker";

/** What a service does with the broker each time it (re)connects: declare its streams. */
export type OnBrokerReady = (manager: JetStreamManager) => Promise<void>;

// Between first-connection attempts; once connected, the client reconnects by itself.
const retryConnectMs = 1_000;

/**
 * The service's connection to NATS JetStream, kept up for the life of the process. The broker
 * being down never stops the service: publishing and consuming wait (`connected` says so, and
 * health reports it as degraded) while the connection is retried for ever. Every (re)connect
 * runs `onReady`, so streams deleted or lost with a broker's storage are declared again.
 */
export class BrokerLink {
  private connection: NatsConnection | undefined;
  private client: JetStreamClient | undefined;
  private up = false;
  private warned = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(up: boolean) => void>();

  constructor(
    private readonly config: MessagingConfig,
    private readonly name: string,
    private readonly logger: Logger,
    private readonly onReady: OnBrokerReady,
  ) {
    void this.connectOnce();
  }

  /** True while connected and the service's streams are declared. */
  get connected(): boolean {
    return this.up;
  }

  /** The JetStream client while connected, else undefined. */
  get jetstream(): JetStreamClient | undefined {
    return this.up ? this.client : undefined;
  }

  /** The raw connection (for core subscriptions such as `events tail`), while connected. */
  get nats(): NatsConnection | undefined {
    return this.up ? this.connection : undefined;
  }

  /** Calls `listener` whenever the link goes up or down. */
  onChange(listener: (up: boolean) => void): void {
    this.listeners.add(listener);
  }

  /**
   * Reports the link to health as {@link brokerHealthName} now and on every change: the service
   * shows degraded while the broker is away, and keeps serving.
   */
  reportHealthTo(report: (name: string, up: boolean) => void): void {
    report(brokerHealthName, this.up);
    this.onChange((up) => report(brokerHealthName, up));
  }

  /** Closes the connection; publishes in flight fail, nothing is retried after. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.setUp(false);
    await this.connection?.close().catch(() => {});
  }

  private async connectOnce(): Promise<void> {
    if (this.closed) return;
    try {
      const connection = await connect({
        servers: [...this.config.natsServers],
        name: this.name,
        ...(this.config.natsUser
          ? { user: this.config.natsUser, pass: this.config.natsPassword }
          : {}),
        maxReconnectAttempts: -1,
        reconnectTimeWait: retryConnectMs,
        timeout: 5_000,
      });
      if (this.closed) {
        await connection.close();
        return;
      }
      this.connection = connection;
      this.client = jetstream(connection, { timeout: 5_000 });
      void this.followStatus(connection);
      await this.declare(connection);
      void connection.closed().then(() => {
        this.setUp(false);
        if (!this.closed) this.scheduleConnect();
      });
    } catch (error) {
      // Once per outage, not once per attempt: the retry runs every second.
      const log = this.warned ? this.logger.debug : this.logger.warn;
      log.call(
        this.logger,
        { err: error, servers: this.config.natsServers },
        "event broker unreachable; retrying every second (events wait, nothing is lost)",
      );
      this.warned = true;
      this.scheduleConnect();
    }
  }

  private scheduleConnect(): void {
    this.retryTimer = setTimeout(() => void this.connectOnce(), retryConnectMs);
    this.retryTimer.unref();
  }

  private async followStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === "disconnect") {
        this.logger.warn("event broker connection lost; reconnecting");
        this.setUp(false);
      } else if (status.type === "reconnect") {
        await this.declare(connection);
      }
    }
  }

  private async declare(connection: NatsConnection): Promise<void> {
    try {
      await this.onReady(await jetstreamManager(connection, { timeout: 5_000 }));
      this.logger.info({ servers: this.config.natsServers }, "event broker connected");
      this.warned = false;
      this.setUp(true);
    } catch (error) {
      // JetStream not ready yet (a restarting cluster): retried shortly, the connection stays.
      this.logger.warn({ err: error }, "declaring event streams failed; retrying");
      this.retryTimer = setTimeout(() => void this.declare(connection), retryConnectMs);
      this.retryTimer.unref();
    }
  }

  private setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    for (const listener of this.listeners) listener(up);
  }
}
