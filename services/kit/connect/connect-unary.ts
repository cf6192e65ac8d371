import type http from "node:http";
import type http2 from "node:http2";
import type { DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  compressionNegotiate,
  createMethodSerializationLookup,
  type MethodSerializationLookup,
  readAllBytes,
} from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  contentTypeUnaryJson,
  contentTypeUnaryProto,
  errorToJsonBytes,
  parseContentType,
  parseTimeout,
} from "@connectrpc/connect/protocol-connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { headerReader, IncomingCall, incomingContext } from "./incoming-call.js";
import { responseBytes, responseMessage, type ServedMethod, serveUnary } from "./served-unary.js";
import { socketAddress } from "./socket-address.js";

/** Answers a request it serves itself (true), or leaves it to connect-node (false). */
export type RequestTaker = (
  request: http.IncomingMessage | http2.Http2ServerRequest,
  response: http.ServerResponse | http2.Http2ServerResponse,
) => boolean;

// connect-node's defaults: what it offers to compress with, and from what size. Its JSON
// options are connect's defaults too (unknown fields ignored), which `undefined` asks for.
const compressions = [compressionGzip, compressionBrotli];
const compressMinBytes = 1024;

/**
 * Unary Connect calls (a POST of JSON or binary, what curl and browsers send) answered without
 * connect-node's universal request, async-iterable pipeline and per-call AbortSignal. Served
 * through {@link serveUnary}, the same chain and error mapping as every other path; bodies,
 * timeouts, compression and errors go through connect's own Connect-protocol helpers, so
 * limits, texts and JSON error bodies are connect-node's. GET requests, compressed bodies,
 * streams and unknown paths are left to connect-node.
 */
export function connectUnaryTaker(
  methods: readonly ServedMethod[],
  options: { readonly readMaxBytes: number },
): RequestTaker {
  const limits = { readMaxBytes: options.readMaxBytes, writeMaxBytes: 0xffffffff };
  const routes = new Map(
    methods.map((served) => [
      served.path,
      {
        served,
        serialization: createMethodSerializationLookup(
          served.method as never,
          undefined,
          undefined,
          limits,
        ),
      },
    ]),
  );
  return (request, response) => {
    if (request.method !== "POST") return false;
    const encoding = request.headers["content-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    const type = parseContentType(request.headers["content-type"] ?? null);
    if (!type || type.stream) return false;
    const route = routes.get((request.url ?? "").split("?", 1)[0] ?? "");
    if (!route) return false;
    serveRequest(route, type.binary, request, response, options.readMaxBytes);
    return true;
  };
}

function serveRequest(
  route: {
    served: ServedMethod;
    serialization: MethodSerializationLookup<DescMessage, DescMessage>;
  },
  binary: boolean,
  request: http.IncomingMessage | http2.Http2ServerRequest,
  response: http.ServerResponse | http2.Http2ServerResponse,
  readMaxBytes: number,
): void {
  const { served, serialization } = route;
  const { headers } = request;
  const call = new IncomingCall();
  response.once("close", () => call.closed());
  const header: Record<string, string> = {
    "content-type": binary ? contentTypeUnaryProto : contentTypeUnaryJson,
  };
  const compression = compressionNegotiate(
    compressions,
    null,
    (headers["accept-encoding"] as string | undefined) ?? null,
    "accept-encoding",
  ).response;
  const answer = async (): Promise<[number, Uint8Array]> => {
    try {
      const timeout = parseTimeout(
        (headers["connect-timeout-ms"] as string | undefined) ?? null,
        Number.MAX_SAFE_INTEGER,
      );
      if (timeout.error) throw timeout.error;
      const bytes = await readAllBytes(
        request as AsyncIterable<Uint8Array>,
        readMaxBytes,
        (headers["content-length"] as string | undefined) ?? null,
      );
      const input = serialization.getI(binary).parse(bytes);
      const deadline =
        timeout.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeout.timeoutMs;
      const address = socketAddress(request.socket);
      const context = incomingContext(served.path, headers, deadline, call, address);
      const output = await serveUnary(served, input, context, headerReader(headers), (k, v) => {
        header[k] = v;
      });
      // Binary responses go out as they came; JSON needs the message (connect's serializer).
      const schema = served.method.output;
      return [
        200,
        binary
          ? responseBytes(schema, output)
          : serialization.getO(false).serialize(responseMessage(schema, output)),
      ];
    } catch (thrown) {
      const error =
        thrown instanceof ConnectError
          ? thrown
          : new ConnectError("internal error", Code.Internal, undefined, undefined, thrown);
      header["content-type"] = contentTypeUnaryJson;
      error.metadata.forEach((value, key) => {
        header[key] = value;
      });
      return [codeToHttpStatus(error.code), errorToJsonBytes(error, undefined)];
    }
  };
  answer()
    .then(async ([status, body]) => {
      let sent = body;
      if (compression && body.byteLength >= compressMinBytes) {
        sent = await compression.compress(body);
        header["content-encoding"] = compression.name;
      }
      call.answered();
      if (response.destroyed) return;
      header["content-length"] = String(sent.byteLength);
      response.writeHead(status, header);
      response.end(sent);
    })
    .catch((error: unknown) => response.destroy(error as Error));
}
