import type { Http2Session } from "node:http2";
import type { TLSSocket } from "node:tls";
import type * as grpc from "@grpc/grpc-js";
import { callerIdentity, type PeerIdentity } from "./peer-identity.js";

// grpc-js's getAuthContext() calls the TLS socket's getPeerCertificate() on every call: the
// native side rebuilds the whole certificate object (names, SANs, three fingerprints) each
// time, and parsing it into a PeerIdentity comes on top: ~70 µs per call here, a quarter of a
// cached read, and the kit asked twice per call. A TLS connection's peer is fixed once the
// handshake is done (TLS 1.3 cannot renegotiate; for TLS 1.2 the connection refuses it below),
// so the identity is read once per connection and kept with its HTTP/2 session, which garbage
// collection takes with it. A rotated client certificate comes on a new connection: a new
// session, read afresh.
const callers = new WeakMap<Http2Session, { readonly peer: PeerIdentity | undefined }>();

// Not public API: grpc-js keeps a call's HTTP/2 stream on its base call, at the end of the
// interceptors' `nextCall` chain. If an update moves it, every call reads the certificate again:
// slower, never wrong (connection-caller.test.ts fails then, so it does not go unnoticed).
interface CallInternals {
  readonly stream?: { readonly session?: Http2Session };
  readonly nextCall?: CallInternals;
}

function sessionOf(call: grpc.ServerInterceptingCallInterface): Http2Session | undefined {
  let at = call as CallInternals | undefined;
  for (let depth = 0; at && depth < 16; depth++, at = at.nextCall) {
    const session = at.stream?.session;
    if (session) return session;
  }
  return undefined;
}

/**
 * The verified caller of `call` (undefined on a plaintext connection), read from its TLS
 * connection's certificate once per connection.
 */
export function connectionCaller(
  call: grpc.ServerInterceptingCallInterface,
): PeerIdentity | undefined {
  const session = sessionOf(call);
  const known = session && callers.get(session);
  if (known) return known.peer;
  const peer = callerIdentity(call.getAuthContext());
  if (session) {
    // A TLS 1.2 renegotiation is the one way a peer could present another certificate on an
    // open connection: refused from here on (a try then closes the connection).
    const socket = session.socket as Partial<TLSSocket> | undefined;
    socket?.disableRenegotiation?.();
    callers.set(session, { peer });
  }
  return peer;
}
