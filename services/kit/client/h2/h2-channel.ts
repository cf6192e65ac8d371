import http2 from "node:http2";
import type * as grpc from "@grpc/grpc-js";
import { Status } from "../../rpc-error.js";
import type { ClientTls } from "../../trust/index.js";
import type { UnaryChannel } from "../unary-channel.js";
import { leanAsyncResourceBind } from "./async-resource-bind.js";
import type { ParsedTarget } from "./grpc-target.js";
import {
  type CallDone,
  frameMessage,
  grpcError,
  grpcTimeout,
  sendOnSession,
} from "./h2-unary-call.js";
import { SessionPool } from "./session-pool.js";

/** Options of an {@link H2Channel}. */
export interface H2ChannelOptions {
  readonly target: string;
  readonly parsed: ParsedTarget;
  readonly tls?: ClientTls | undefined;
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  readonly maxSendBytes: number;
  readonly maxReceiveBytes: number;
}

const { NGHTTP2_CANCEL } = http2.constants;

/**
 * A unary-only gRPC channel on Node's HTTP/2 client: the same calls as a grpc-js channel, with
 * a fraction of its per-call work (grpc-js's channel, load-balancing, retrying and stream call
 * layers were a fifth of the edge's CPU per forwarded call; bench/README.md, "What the edge
 * costs"). What grpc-js did for the kit and the kit relies on is here too: round robin over
 * every address of the target, reconnect backoff, re-resolution, GOAWAY, keepalive, deadlines
 * on the wire (`grpc-timeout`) and locally, cancellation (RST_STREAM), message size limits, and
 * failures reported with grpc-js's codes and metadata. Retries, breakers and spans stay in the
 * kit's client layer above it, for both channels.
 */
export class H2Channel implements UnaryChannel {
  private readonly pool: SessionPool;
  private readonly baseHeaders: http2.OutgoingHttpHeaders;

  constructor(private readonly options: H2ChannelOptions) {
    leanAsyncResourceBind();
    this.pool = new SessionPool({
      target: options.parsed,
      tls: options.tls,
      keepaliveTimeMs: options.keepaliveTimeMs,
      keepaliveTimeoutMs: options.keepaliveTimeoutMs,
    });
    this.baseHeaders = {
      ":method": "POST",
      ":scheme": options.tls ? "https" : "http",
      ":authority": options.parsed.authority,
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-accept-encoding": "identity",
    };
  }

  /** The target as given, as grpc-js's `getChannel().getTarget()` names it in spans. */
  getChannel(): { getTarget(): string } {
    return { getTarget: () => this.options.target };
  }

  /** Closes every session; calls in flight finish. */
  close(): void {
    this.pool.close();
  }

  makeUnaryRequest<Request, Response>(
    path: string,
    serialize: (value: Request) => Buffer,
    deserialize: (value: Buffer) => Response,
    request: Request,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<Response>,
  ): { cancel(): void } {
    let settled = false;
    let stream: http2.ClientHttp2Stream | undefined;
    let timer: NodeJS.Timeout | undefined;
    let stopWaiting = () => {};
    let release = () => {};
    const finish = (error: grpc.ServiceError | null, message?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopWaiting();
      release();
      if (error) {
        callback(error);
        return;
      }
      let response: Response;
      try {
        response = deserialize(message as Buffer);
      } catch {
        callback(grpcError(Status.INTERNAL, "Failed to parse server response"));
        return;
      }
      callback(null, response);
    };
    // Failures found before anything is sent are reported after this returns, as grpc-js does.
    const failSoon = (code: Status, details: string) =>
      queueMicrotask(() => finish(grpcError(code, details)));
    const deadline = Number(options.deadline ?? Number.POSITIVE_INFINITY);
    const left = deadline - Date.now();
    let body: Buffer;
    try {
      body = frameMessage(serialize(request));
    } catch (error) {
      failSoon(Status.INTERNAL, `Request message serialization failure: ${String(error)}`);
      return { cancel: () => {} };
    }
    if (body.length - 5 > this.options.maxSendBytes) {
      failSoon(
        Status.RESOURCE_EXHAUSTED,
        `Sent message larger than max (${body.length - 5} vs. ${this.options.maxSendBytes})`,
      );
      return { cancel: () => {} };
    }
    if (left <= 0) {
      failSoon(Status.DEADLINE_EXCEEDED, "Deadline exceeded before the call was sent");
      return { cancel: () => {} };
    }
    const headers: http2.OutgoingHttpHeaders = {
      ...this.baseHeaders,
      ...metadata.toHttp2Headers(),
      ":path": path,
    };
    if (Number.isFinite(left)) {
      headers["grpc-timeout"] = grpcTimeout(left);
      timer = setTimeout(() => {
        finish(grpcError(Status.DEADLINE_EXCEEDED, "Deadline exceeded"));
        stream?.close(NGHTTP2_CANCEL);
      }, left);
    }
    // A stream the server refused unprocessed is sent once more, as grpc-js's transparent retry.
    let resent = false;
    const sent: CallDone = (error, message, refused) => {
      if (refused && !resent && !settled) {
        resent = true;
        release();
        send();
      } else finish(error, message);
    };
    const send = () => {
      stopWaiting = this.pool.pick(
        (session, done) => {
          release = done;
          if (settled) {
            release();
            return;
          }
          try {
            stream = sendOnSession(session, headers, body, this.options.maxReceiveBytes, sent);
          } catch (error) {
            // The session closed between the pick and the request (its GOAWAY not heard yet).
            sent(
              grpcError(Status.UNAVAILABLE, `Connection closing: ${(error as Error).message}`),
              undefined,
              true,
            );
          }
        },
        (reason) => finish(grpcError(Status.UNAVAILABLE, reason)),
      );
    };
    send();
    return {
      cancel: () => {
        finish(grpcError(Status.CANCELLED, "Cancelled on client"));
        stream?.close(NGHTTP2_CANCEL);
      },
    };
  }
}
