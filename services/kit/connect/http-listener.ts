import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { StreamTaker } from "./grpc-stream.js";

/** A request handler for both HTTP/1.1 and HTTP/2 requests (what connect-node produces). */
export type HttpHandler = (
  request: http.IncomingMessage | http2.Http2ServerRequest,
  response: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/** Options of {@link listenHttp}. */
export interface HttpListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly handler: HttpHandler;
  /** Offered every HTTP/2 stream first; what it does not take goes to `handler`. */
  readonly takeStream?: StreamTaker | undefined;
  /** Connections older than this are asked to close, so clients spread over new replicas. */
  readonly maxConnectionAgeMs: number;
}

/** A bound listener and how to stop it. */
export interface HttpListener {
  readonly port: number;
  /** Refuses new connections, lets open requests finish for up to `graceMs`, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

// Every HTTP/2 connection without TLS ("prior knowledge", as gRPC clients and h2load use) opens
// with this; HTTP/1.1 requests start with a method name instead.
const http2Preface = Buffer.from("PRI * HTTP/2.0");

/**
 * One plaintext port for HTTP/1.1 and HTTP/2. Node's `http2.createServer` honours `allowHTTP1`
 * only with TLS (ALPN chooses there); without TLS the first bytes of a connection decide, so
 * browsers and curl (HTTP/1.1) and gRPC clients (h2c) share the port.
 */
export async function listenHttp(options: HttpListenerOptions): Promise<HttpListener> {
  const h1 = http.createServer(options.handler);
  const h2 = http2.createServer(options.handler);
  const { takeStream } = options;
  if (takeStream) {
    // Node turns streams into requests for `handler` with a "stream" listener of its own (the
    // compatibility layer): the taker goes first, and only what it leaves reaches that layer.
    const compatibility = h2.listeners("stream") as ((...args: unknown[]) => void)[];
    h2.removeAllListeners("stream");
    h2.on("stream", (stream, headers, ...rest: unknown[]) => {
      if (takeStream(stream, headers)) return;
      for (const listener of compatibility) listener.call(h2, stream, headers, ...rest);
    });
  }
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.Http2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    const age = setTimeout(() => session.close(), options.maxConnectionAgeMs);
    age.unref();
    session.once("close", () => clearTimeout(age));
  });
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (first) => {
      socket.pause();
      socket.unshift(first);
      const isHttp2 = first.subarray(0, http2Preface.length).equals(http2Preface);
      // The HTTP/2 session reads what was put back itself; HTTP/1.1 needs the flow restarted.
      if (isHttp2) h2.emit("connection", socket);
      else {
        h1.emit("connection", socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port, options.host, () => resolve());
  });
  const port = (listener.address() as net.AddressInfo).port;
  return {
    port,
    close: async (graceMs) => {
      listener.close();
      // GOAWAY lets HTTP/2 clients finish their streams and open no new ones here.
      for (const session of sessions) session.close();
      h1.close();
      h1.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (sockets.size > 0 && Date.now() < deadline) {
        h1.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const socket of sockets) socket.destroy();
    },
  };
}
