import type * as http2 from "node:http2";
import type { Interceptor } from "@connectrpc/connect";
import { type GrpcTransportOptions, Http2SessionManager } from "@connectrpc/connect-node";

type SessionManager = NonNullable<GrpcTransportOptions["sessionManager"]>;

// A refused stream is one the server never processed (RFC 9113 §8.7), so any call may go again;
// gRPC's own runtimes call this a transparent retry (gRFC A6). Bounded, in case a server refuses
// every stream.
const maxAttempts = 3;

/** Whether `error` (or a cause in its chain) is an HTTP/2 stream reset with REFUSED_STREAM. */
export function isRefusedStream(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (
      (e as NodeJS.ErrnoException).code === "ERR_HTTP2_STREAM_ERROR" &&
      /REFUSED_STREAM/.test(e.message)
    )
      return true;
  }
  return false;
}

/**
 * Sends a unary call again when the server refused its stream. A gRPC server refuses the streams
 * that cross its GOAWAY: at every max connection age and at every drain (a pod scaled in), so
 * without this a client's call fails (connect-node reports INTERNAL) at exactly those moments.
 * Streaming calls are left alone: their messages cannot be replayed from here.
 */
export const retryRefusedStreams: Interceptor = (next) => async (request) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await next(request);
    } catch (error) {
      if (request.stream || attempt >= maxAttempts || !isRefusedStream(error)) throw error;
    }
  }
};

/**
 * connect-node's HTTP/2 session manager, with each session it opens given a last error listener.
 * When a server's GOAWAY reaches an idle session, connect-node destroys it with an error that is
 * emitted on the next tick; a call started in between moves the manager to a new session and
 * removes its listeners first, so the error had no listener and ended the process (seen in the
 * autoscaling simulation, where max connection age sends a GOAWAY every few seconds). Streams
 * report their own errors; this listener only keeps a session connect-node already left from
 * crashing the CLI.
 */
export function guardedSessionManager(
  baseUrl: string,
  options?: http2.SecureClientSessionOptions,
): SessionManager {
  const inner = new Http2SessionManager(baseUrl, {}, options);
  const guarded = new WeakSet<http2.Http2Session>();
  return {
    authority: inner.authority,
    async request(method, path, headers, requestOptions) {
      const stream = await inner.request(method, path, headers, requestOptions);
      const { session } = stream;
      if (session && !guarded.has(session)) {
        guarded.add(session);
        session.on("error", () => {});
      }
      return stream;
    },
    notifyResponseByteRead: (stream) => inner.notifyResponseByteRead(stream),
  };
}
