import { H2Channel, parseTarget } from "../../services/kit/client/h2/index.js";
import type { UnaryChannel } from "../../services/kit/client/unary-channel.js";

/** The kit's two channels: grpc-js's, and the lean one on Node's HTTP/2 client (the edge's). */
export const channelKinds = ["grpc-js", "http2"] as const;

/** Which of {@link channelKinds}. */
export type ChannelKind = (typeof channelKinds)[number];

/**
 * A channel of `kind` to `target` for `createServiceClient`'s `channel` option; undefined for
 * grpc-js, which the client then opens itself as it does in the services.
 */
export function channelOf(kind: ChannelKind, target: string): UnaryChannel | undefined {
  if (kind === "grpc-js") return undefined;
  const parsed = parseTarget(target);
  if (!parsed) throw new Error(`the lean channel cannot dial ${target}`);
  return new H2Channel({
    target,
    parsed,
    keepaliveTimeMs: 30_000,
    keepaliveTimeoutMs: 10_000,
    maxSendBytes: 4 * 1024 * 1024,
    maxReceiveBytes: 4 * 1024 * 1024,
  });
}
