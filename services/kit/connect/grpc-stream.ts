import type http2 from "node:http2";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Compression, compressionNegotiate } from "@connectrpc/connect/protocol";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { invalidArgument, type RpcError } from "../rpc-error.js";
import { headerReader, IncomingCall, incomingContext } from "./incoming-call.js";
import { responseBytes, type ServedMethod, serveUnary } from "./served-unary.js";
import { socketAddress } from "./socket-address.js";

/** Takes an HTTP/2 stream it serves itself (true), or leaves it to connect-node (false). */
export type StreamTaker = (
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
) => boolean;

// gRPC's length prefix: one flag byte (compressed or not), four bytes of length.
const prefixBytes = 5;
// Connect-node answers these content types for gRPC; `application/grpc+json` stays with it.
const grpcProto = new Set(["application/grpc", "application/grpc+proto"]);
const responseHeaders = { ":status": 200, "content-type": "application/grpc+proto" };
// connect-node's defaults: what it offers to compress responses with, and from what size.
const compressions = [compressionGzip, compressionBrotli];
const compressMinBytes = 1024;

/**
 * Unary gRPC calls answered on Node's HTTP/2 core API instead of connect-node's pipeline (its
 * async iterables, universal request and response, per-call AbortSignal, and Node's HTTP/2
 * compatibility layer cost ~6× the product service's CPU per call; bench/README.md, "What the
 * edge costs"). The same {@link ServedMethod} objects are served, through {@link serveUnary},
 * so door policy, spans, logs and errors are the connect path's by construction; timeouts and
 * protocol errors go through connect's own gRPC helpers, so their texts are the same too.
 * Anything else (gRPC-Web, Connect, JSON, compressed requests, unknown paths) is left alone.
 */
export function grpcStreamTaker(
  methods: readonly ServedMethod[],
  options: { readonly readMaxBytes: number },
): StreamTaker {
  const routes = new Map(methods.map((served) => [served.path, served]));
  return (stream, headers) => {
    if (headers[":method"] !== "POST" || !grpcProto.has(headers["content-type"] ?? "")) {
      return false;
    }
    const encoding = headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    const served = routes.get(headers[":path"] ?? "");
    if (!served) return false;
    serveStream(served, stream, headers, options.readMaxBytes);
    return true;
  };
}

function serveStream(
  served: ServedMethod,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  readMaxBytes: number,
): void {
  const call = new IncomingCall();
  // A stream closed before the answer: the caller cancelled (RST_STREAM) or went away. A
  // stream error is the same (and must be listened to: unheard, it would end the process).
  stream.once("close", () => call.closed());
  stream.on("error", () => call.closed());
  const responseHeader: Record<string, string> = {};
  // Responses are compressed as connect-node does, with what the caller accepts.
  const compression = compressionNegotiate(
    compressions,
    null,
    (headers["grpc-accept-encoding"] as string | undefined) ?? null,
    "grpc-accept-encoding",
  ).response;
  if (compression) responseHeader["grpc-encoding"] = compression.name;
  const fail = (error: unknown) => {
    call.answered();
    respond(stream, responseHeader, undefined, ConnectError.from(error));
  };
  const timeout = parseTimeout(
    (headers["grpc-timeout"] as string | undefined) ?? null,
    Number.MAX_SAFE_INTEGER,
  );
  if (timeout.error) {
    drain(stream, () => fail(timeout.error));
    return;
  }
  readMessage(stream, readMaxBytes).then((message) => {
    if (message instanceof ConnectError) {
      fail(message);
      return;
    }
    const deadline =
      timeout.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeout.timeoutMs;
    const context = incomingContext(served.path, headers, deadline, call, sessionAddress(stream));
    let request: unknown;
    let malformed: RpcError | undefined;
    try {
      request = fromBinary(served.method.input, message);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      malformed = invalidArgument(
        "request",
        `not a valid message (${reason})`,
        "MALFORMED_REQUEST",
      );
    }
    // A malformed request is refused as the caller's mistake, logged and traced like any call.
    const method = malformed ? { ...served, call: () => Promise.reject(malformed) } : served;
    serveUnary(method, request, context, headerReader(headers), (key, value) => {
      responseHeader[key] = value;
    })
      .then((response) => frame(responseBytes(served.method.output, response), compression))
      .then((body) => {
        call.answered();
        respond(stream, responseHeader, body);
      }, fail);
  }, fail);
}

/**
 * The request's one message, or the ConnectError connect-node answers for a body over the
 * limit (checked on the length prefix, before the rest is read), a broken envelope, none or two
 * messages, or a compressed one.
 */
function readMessage(
  stream: http2.ServerHttp2Stream,
  readMaxBytes: number,
): Promise<Buffer | ConnectError> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let size: number | undefined;
    const refuse = (error: ConnectError) => {
      stream.off("data", onData);
      stream.resume(); // what is left of the body is read and dropped, never kept
      resolve(error);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (size === undefined && length >= prefixBytes) {
        size = Buffer.concat(chunks).readUInt32BE(1);
        if (size > readMaxBytes) {
          refuse(
            new ConnectError(
              `message size ${size} is larger than configured readMaxBytes ${readMaxBytes}`,
              Code.ResourceExhausted,
            ),
          );
        }
      }
      // More than one message's worth: a unary call has one, and memory stays bounded.
      if (size !== undefined && length > prefixBytes + size) {
        refuse(
          new ConnectError(
            "protocol error: received extra input message for unary method",
            Code.Unimplemented,
          ),
        );
      }
    };
    stream.on("data", onData);
    stream.on("error", reject);
    stream.once("end", () => {
      if (size !== undefined && (size > readMaxBytes || length > prefixBytes + size)) return;
      resolve(envelope(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    });
  });
}

function envelope(body: Buffer): Buffer | ConnectError {
  if (body.length === 0) {
    return new ConnectError(
      "protocol error: missing input message for unary method",
      Code.Unimplemented,
    );
  }
  if (body.length < prefixBytes) {
    return new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  }
  const size = body.readUInt32BE(1);
  if (body.length < prefixBytes + size) {
    return new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  }
  if (body.length > prefixBytes + size) {
    return new ConnectError(
      "protocol error: received extra input message for unary method",
      Code.Unimplemented,
    );
  }
  if ((body[0] ?? 0) & 1) {
    return new ConnectError(
      "protocol error: received compressed message without grpc-encoding",
      Code.Internal,
    );
  }
  return body.subarray(prefixBytes);
}

async function frame(message: Uint8Array, compression: Compression | null): Promise<Buffer> {
  const compress = compression !== null && message.length >= compressMinBytes;
  const data = compress ? await compression.compress(message) : message;
  const bytes = Buffer.allocUnsafe(prefixBytes + data.length);
  bytes[0] = compress ? 1 : 0;
  bytes.writeUInt32BE(data.length, 1);
  bytes.set(data, prefixBytes);
  return bytes;
}

// Read once per connection: the session's socket is a proxy, and its peer does not change.
const addresses = new WeakMap<http2.Http2Session, string>();

function sessionAddress(stream: http2.ServerHttp2Stream): string {
  const { session } = stream;
  if (!session) return socketAddress(undefined);
  let address = addresses.get(session);
  if (address === undefined) {
    address = socketAddress(session.socket);
    addresses.set(session, address);
  }
  return address;
}

/** Headers, the message (on success), then the trailers with the status, as connect-node sends. */
function respond(
  stream: http2.ServerHttp2Stream,
  header: Record<string, string> | undefined,
  body: Buffer | undefined,
  error?: ConnectError,
): void {
  if (stream.destroyed || stream.closed) return;
  const trailers: Record<string, string> = {};
  if (error) {
    setTrailerStatus(new Headers(), error).forEach((value, key) => {
      trailers[key] = value;
    });
  } else trailers["grpc-status"] = "0";
  stream.respond({ ...responseHeaders, ...header }, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(trailers));
  stream.end(body);
}

/** Reads and drops the request body, then calls `then` (an error answered before reading). */
function drain(stream: http2.ServerHttp2Stream, then: () => void): void {
  stream.resume();
  if (stream.readableEnded) then();
  else stream.once("end", then);
}
