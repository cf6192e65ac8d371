import http2 from "node:http2";
import tls from "node:tls";
import type { ClientTls } from "../../trust/index.js";
import { type ParsedTarget, resolveTarget } from "./grpc-target.js";

/** Options of a {@link SessionPool}. */
export interface SessionPoolOptions {
  readonly target: ParsedTarget;
  readonly tls?: ClientTls | undefined;
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
}

// As the kit's grpc-js channels: reconnect soon (200 ms, doubling to 2 s), re-resolve at most
// once a second.
const initialBackoffMs = 200;
const maxBackoffMs = 2_000;
const minResolveIntervalMs = 1_000;

interface Subchannel {
  readonly address: string;
  session?: http2.ClientHttp2Session | undefined;
  ready: boolean;
  /** Streams in flight: keepalive pings only while there are some (as grpc-js by default). */
  active: number;
  backoffMs: number;
  retryAt: number;
  lastError?: string;
}

interface Waiter {
  readonly ready: (session: http2.ClientHttp2Session, release: () => void) => void;
  readonly failed: (reason: string) => void;
}

/**
 * One HTTP/2 session per address the target resolves to, picked round robin among those
 * connected (grpc-js's `round_robin`, as the kit's channels are configured). A session that
 * fails or is told to go away (a server's max connection age) stops being picked; its address
 * is dialled again after a backoff, and the name is resolved again, so pods that come and go
 * are followed. With no connected session, a call waits for the first one being dialled, and
 * fails UNAVAILABLE when none can be (grpc-js's fail-fast in TRANSIENT_FAILURE).
 */
export class SessionPool {
  private readonly subchannels = new Map<string, Subchannel>();
  private connected: Subchannel[] = [];
  private next = 0;
  private waiting: Waiter[] = [];
  private resolving = false;
  private resolvedAt = 0;
  private resolveTimer: NodeJS.Timeout | undefined;
  private resolveError: string | undefined;
  private closed = false;

  constructor(private readonly options: SessionPoolOptions) {}

  /**
   * Hands a connected session to `ready` (with the release to call when the stream ends), at
   * once when there is one, else when one connects; `failed` when none can be.
   */
  pick(ready: Waiter["ready"], failed: Waiter["failed"]): () => void {
    const count = this.connected.length;
    if (count > 0) {
      const subchannel = this.connected[this.next++ % count] as Subchannel;
      this.lend(subchannel, ready);
      return () => {};
    }
    if (this.closed) {
      failed("channel closed");
      return () => {};
    }
    const waiter = { ready, failed };
    this.waiting.push(waiter);
    this.dialAll();
    return () => {
      this.waiting = this.waiting.filter((w) => w !== waiter);
    };
  }

  /** Closes every session (streams in flight finish) and stops resolving. */
  close(): void {
    this.closed = true;
    clearTimeout(this.resolveTimer);
    for (const subchannel of this.subchannels.values()) subchannel.session?.close();
    this.subchannels.clear();
    this.connected = [];
    this.failWaiting("channel closed");
  }

  private lend(subchannel: Subchannel, ready: Waiter["ready"]): void {
    const session = subchannel.session as http2.ClientHttp2Session;
    subchannel.active++;
    let released = false;
    ready(session, () => {
      if (released) return;
      released = true;
      subchannel.active--;
    });
  }

  private dialAll(): void {
    if (this.resolvedAt === 0) {
      if (!this.resolving) this.resolve();
      return;
    }
    const now = Date.now();
    let dialling = 0;
    for (const subchannel of this.subchannels.values()) {
      if (subchannel.session) dialling++;
      else if (subchannel.retryAt <= now && this.dial(subchannel)) dialling++;
    }
    if (dialling === 0 && !this.resolving) this.failWaiting(this.lastErrors());
  }

  /** Starts dialling `subchannel`'s address; false when it could not even start (no TLS pair). */
  private dial(subchannel: Subchannel): boolean {
    const { keepaliveTimeMs, keepaliveTimeoutMs } = this.options;
    let session: http2.ClientHttp2Session;
    try {
      session = this.connect(subchannel.address);
    } catch (error) {
      subchannel.lastError = (error as Error).message;
      this.backOff(subchannel);
      return false;
    }
    subchannel.session = session;
    let pinger: NodeJS.Timeout | undefined;
    let connected = false;
    session.once("connect", () => {
      connected = true;
      subchannel.ready = true;
      subchannel.backoffMs = initialBackoffMs;
      this.connected.push(subchannel);
      pinger = setInterval(() => this.ping(subchannel, keepaliveTimeoutMs), keepaliveTimeMs);
      pinger.unref();
      const waiting = this.waiting;
      this.waiting = [];
      for (const waiter of waiting) this.lend(subchannel, waiter.ready);
    });
    session.on("error", (error: Error) => {
      subchannel.lastError = error.message;
    });
    // Told to go away (max connection age, shutdown): no new streams here; those in flight end.
    session.once("goaway", () => this.retire(subchannel, session));
    session.once("close", () => {
      clearInterval(pinger);
      this.retire(subchannel, session);
      if (!connected) this.backOff(subchannel);
      this.resolveSoon();
      if (this.waiting.length > 0) this.dialAll();
    });
    return true;
  }

  private connect(address: string): http2.ClientHttp2Session {
    const clientTls = this.options.tls;
    if (!clientTls) return http2.connect(`http://${address}`);
    const [host, port] = splitAddress(address);
    // Read before dialling: a pair not loaded yet fails this dial, not the process.
    const secureContext = clientTls.secureContext();
    return http2.connect(`https://${address}`, {
      createConnection: () =>
        tls.connect({
          host,
          port,
          servername: clientTls.servername,
          secureContext,
          checkServerIdentity: (name, certificate) =>
            clientTls.checkServerIdentity(name, certificate),
          ALPNProtocols: ["h2"],
        }),
    });
  }

  private backOff(subchannel: Subchannel): void {
    subchannel.retryAt = Date.now() + subchannel.backoffMs;
    subchannel.backoffMs = Math.min(maxBackoffMs, subchannel.backoffMs * 2);
  }

  private ping(subchannel: Subchannel, timeoutMs: number): void {
    const session = subchannel.session;
    if (!session || subchannel.active === 0 || session.destroyed) return;
    const timer = setTimeout(() => {
      subchannel.lastError = "keepalive ping not answered";
      session.destroy();
    }, timeoutMs);
    timer.unref();
    session.ping(() => clearTimeout(timer));
  }

  private retire(subchannel: Subchannel, session: http2.ClientHttp2Session): void {
    if (subchannel.session !== session) return;
    subchannel.session = undefined;
    subchannel.ready = false;
    this.connected = this.connected.filter((s) => s !== subchannel);
    if (!session.closed) session.close();
  }

  private resolveSoon(): void {
    if (this.closed || this.resolving || this.resolveTimer) return;
    const wait = this.resolvedAt + minResolveIntervalMs - Date.now();
    if (wait <= 0) {
      this.resolve();
      return;
    }
    this.resolveTimer = setTimeout(() => {
      this.resolveTimer = undefined;
      this.resolve();
    }, wait);
    this.resolveTimer.unref();
  }

  private resolve(): void {
    this.resolving = true;
    resolveTarget(this.options.target).then(
      (addresses) => {
        this.resolving = false;
        this.resolvedAt = Date.now();
        this.resolveError = undefined;
        if (!this.closed) this.update(addresses);
      },
      (error: Error) => {
        this.resolving = false;
        this.resolvedAt = Date.now();
        this.resolveError = `cannot resolve ${this.options.target.host}: ${error.message}`;
        if (this.waiting.length > 0) this.dialAll();
        this.resolveSoon();
      },
    );
  }

  private update(addresses: readonly string[]): void {
    const wanted = new Set(addresses);
    for (const [address, subchannel] of this.subchannels) {
      if (wanted.has(address)) continue;
      this.subchannels.delete(address);
      if (subchannel.session) this.retire(subchannel, subchannel.session);
    }
    for (const address of wanted) {
      if (this.subchannels.has(address)) continue;
      this.subchannels.set(address, {
        address,
        ready: false,
        active: 0,
        backoffMs: initialBackoffMs,
        retryAt: 0,
      });
    }
    if (this.waiting.length > 0) this.dialAll();
  }

  private failWaiting(reason: string): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const waiter of waiting) waiter.failed(reason);
  }

  private lastErrors(): string {
    if (this.resolveError) return this.resolveError;
    const errors = [...this.subchannels.values()].map(
      (s) => `${s.address}: ${s.lastError ?? "not connected"}`,
    );
    return errors.length > 0
      ? `no connection (${errors.join("; ")})`
      : `${this.options.target.host} resolved to no address`;
  }
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(":");
  return [address.slice(0, at).replace(/^\[|\]$/g, ""), Number(address.slice(at + 1))];
}
