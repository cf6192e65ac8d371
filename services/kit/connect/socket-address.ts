import type { Socket } from "node:net";

/** The peer of `socket` as `host:port` (IPv6 in brackets), as grpc-js names a caller. */
export function socketAddress(socket: Pick<Socket, "remoteAddress" | "remotePort"> | undefined) {
  const { remoteAddress = "", remotePort = 0 } = socket ?? {};
  const host = remoteAddress.includes(":") ? `[${remoteAddress}]` : remoteAddress;
  return `${host}:${remotePort}`;
}
