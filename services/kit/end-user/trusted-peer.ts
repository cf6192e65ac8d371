import type { CallContext } from "../call-context.js";

/**
 * Whether the caller of this call may speak for an end user: only the edge may. This is the one
 * place that decides it. Callers are named by the SPIFFE ID of their verified client certificate
 * (`END_USER_PEERS`, e.g. `spiffe://shopmesh.local/ns/shop/sa/edge`): an address says nothing
 * about who holds it, a certificate does. Without mTLS there is no verified ID, so nobody may.
 */
export function mayActForEndUsers(
  context: Pick<CallContext, "peer">,
  trustedPeers: ReadonlySet<string>,
): boolean {
  return context.peer !== undefined && trustedPeers.has(context.peer);
}

/** The address part of a grpc-js peer (`127.0.0.1:5000`, `[::1]:5000`, `::ffff:10.0.0.1:5000`). */
export function peerAddress(peer: string): string {
  const bracketed = /^\[(.*)\]:\d+$/.exec(peer);
  const host = bracketed ? (bracketed[1] ?? "") : peer.replace(/:\d+$/, "");
  return host.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
}
