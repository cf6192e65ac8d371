import http2 from "node:http2";
import * as grpc from "@grpc/grpc-js";
import { Status } from "../../rpc-error.js";

const {
  NGHTTP2_CANCEL,
  NGHTTP2_REFUSED_STREAM,
  NGHTTP2_ENHANCE_YOUR_CALM,
  NGHTTP2_INADEQUATE_SECURITY,
} = http2.constants;
// gRPC's length prefix: one flag byte (compressed or not), four bytes of length.
const prefixBytes = 5;

/**
 * How one unary call ended: a status other than OK, or the response message's bytes. `refused`:
 * the server did not process the stream (REFUSED_STREAM, e.g. sent as its GOAWAY crossed), so
 * sending it again is safe whatever the method.
 */
export type CallDone = (
  error: grpc.ServiceError | null,
  message?: Buffer,
  refused?: boolean,
) => void;

/** A failure shaped as grpc-js reports one, so the kit reads both channels' alike. */
export function grpcError(
  code: Status,
  details: string,
  metadata = new grpc.Metadata(),
): grpc.ServiceError {
  return Object.assign(new Error(`${code} ${Status[code]}: ${details}`), {
    code,
    details,
    metadata,
  });
}

/** The request's one message with gRPC's length prefix (never compressed). */
export function frameMessage(message: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(prefixBytes + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, prefixBytes);
  return framed;
}

/** gRPC's `grpc-timeout` header for `ms` milliseconds (at most 8 digits, as the spec says). */
export function grpcTimeout(ms: number): string {
  const millis = Math.max(1, Math.ceil(ms));
  if (millis < 100_000_000) return `${millis}m`;
  const seconds = Math.ceil(millis / 1000);
  return seconds < 100_000_000 ? `${seconds}S` : `${Math.ceil(seconds / 3600)}H`;
}

/**
 * Sends one unary call on `session` and reads its answer: the response message, then the
 * status in the trailers (or a trailers-only answer). What grpc-js would report for the same
 * wire (a refused stream or a dropped connection is UNAVAILABLE; an HTTP error its gRPC code;
 * a message over `maxReceiveBytes` RESOURCE_EXHAUSTED) is what `done` gets, once.
 */
export function sendOnSession(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body: Buffer,
  maxReceiveBytes: number,
  done: CallDone,
): http2.ClientHttp2Stream {
  const stream = session.request(headers);
  const chunks: Buffer[] = [];
  let length = 0;
  let httpStatus = 0;
  let status: http2.IncomingHttpHeaders | undefined;
  let failure: grpc.ServiceError | undefined;
  stream.once("response", (responseHeaders) => {
    httpStatus = Number(responseHeaders[":status"]);
    // Trailers-only: the status comes in the headers (an error before any message).
    if (responseHeaders["grpc-status"] !== undefined) status = responseHeaders;
  });
  stream.on("data", (chunk: Buffer) => {
    if (failure) return;
    chunks.push(chunk);
    length += chunk.length;
    if (length >= prefixBytes) {
      const size = (chunks.length === 1 ? chunk : Buffer.concat(chunks)).readUInt32BE(1);
      if (size > maxReceiveBytes) {
        failure = grpcError(
          Status.RESOURCE_EXHAUSTED,
          `Received message larger than max (${size} vs. ${maxReceiveBytes})`,
        );
        stream.close(NGHTTP2_CANCEL);
      }
    }
  });
  stream.once("trailers", (trailers) => {
    status = trailers;
  });
  // Heard so that it cannot end the process; the close below says what happened.
  stream.on("error", () => {});
  stream.once("close", () => {
    if (failure) done(failure);
    else if (status) done(...answered(status, chunks, length));
    else done(unanswered(stream, httpStatus), undefined, stream.rstCode === NGHTTP2_REFUSED_STREAM);
  });
  stream.end(body);
  return stream;
}

function answered(
  trailers: http2.IncomingHttpHeaders,
  chunks: readonly Buffer[],
  length: number,
): [grpc.ServiceError | null, Buffer?] {
  const code = Number(trailers["grpc-status"]);
  if (code !== Status.OK) {
    const raw = trailers["grpc-message"];
    const metadata = grpc.Metadata.fromHttp2Headers(trailers);
    metadata.remove("grpc-status");
    metadata.remove("grpc-message");
    const known = Number.isInteger(code) && code >= 0 && code <= 16;
    return [grpcError(known ? code : Status.UNKNOWN, decodeMessage(raw), metadata)];
  }
  const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
  if (body.length < prefixBytes || body.length !== prefixBytes + body.readUInt32BE(1)) {
    return [
      grpcError(Status.INTERNAL, "Server sent no message, or more than one, for a unary call"),
    ];
  }
  // `grpc-accept-encoding: identity` was sent: a compressed message is the server's mistake.
  if ((body[0] ?? 0) & 1) {
    return [grpcError(Status.INTERNAL, "Server sent a compressed message, identity was asked")];
  }
  return [null, body.subarray(prefixBytes)];
}

function decodeMessage(raw: string | string[] | undefined): string {
  const text = Array.isArray(raw) ? raw.join(",") : (raw ?? "");
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A stream closed without a gRPC status, read as grpc-js reads it. */
function unanswered(stream: http2.ClientHttp2Stream, httpStatus: number): grpc.ServiceError {
  if (httpStatus !== 0 && httpStatus !== 200) {
    return grpcError(httpStatusCode(httpStatus), `Received HTTP status code ${httpStatus}`);
  }
  switch (stream.rstCode) {
    case NGHTTP2_REFUSED_STREAM:
      return grpcError(Status.UNAVAILABLE, "Stream refused by server");
    case NGHTTP2_CANCEL:
      // The connection went (its streams are closed with CANCEL), or the server cancelled.
      return stream.session?.destroyed !== false
        ? grpcError(Status.UNAVAILABLE, "Connection dropped")
        : grpcError(Status.CANCELLED, "Call cancelled by the server");
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return grpcError(Status.RESOURCE_EXHAUSTED, "Bandwidth exhausted or memory limit exceeded");
    case NGHTTP2_INADEQUATE_SECURITY:
      return grpcError(Status.PERMISSION_DENIED, "Protocol not secure enough");
    default:
      return grpcError(
        Status.UNAVAILABLE,
        `Stream closed without a status (RST_STREAM code ${stream.rstCode ?? "none"})`,
      );
  }
}

/** gRPC's mapping of an HTTP status that came without a gRPC status (doc/http-grpc-status-mapping). */
function httpStatusCode(httpStatus: number): Status {
  switch (httpStatus) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}
