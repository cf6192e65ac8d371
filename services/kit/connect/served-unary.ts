import {
  create,
  type DescMessage,
  type DescMethod,
  fromBinary,
  type Message,
  toBinary,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { CallContext } from "../call-context.js";
import { EncodedMessage } from "../client/encoded-message.js";
import { detailMessages, detailsOf } from "../error-details/index.js";
import { Status } from "../rpc-error.js";
import type { CallObserver, UnaryCall, UnaryInterceptor } from "../server/grpc-service.js";
import { toRpcError } from "../to-rpc-error.js";
import type { ExposedService } from "./exposed-service.js";
import { RetryLater } from "./retry-later.js";

/** One public method with its interceptor chain built: what every protocol path serves. */
export interface ServedMethod {
  /** `/${typeName}/${method.name}`, the HTTP path of every protocol. */
  readonly path: string;
  readonly method: DescMethod;
  /** The interceptors and the handler, outermost first. */
  readonly call: UnaryCall;
  readonly observe: CallObserver;
}

/** Reads the caller's request headers (lower-case names), whatever the protocol path's type. */
export interface RequestHeaders {
  get(key: string): string | undefined;
  keys(): string[];
}

const tracer = () => trace.getTracer("shopmesh-connect");

/**
 * The unary methods of `services` with their interceptor chains, built once: the connect-node
 * routes and the gRPC stream path serve the same objects, so the door's rules exist once.
 */
export function servedMethods(
  services: readonly ExposedService[],
  interceptors: readonly UnaryInterceptor[],
  observe: CallObserver,
): ServedMethod[] {
  const served: ServedMethod[] = [];
  for (const { service, handlers } of services) {
    for (const method of service.methods) {
      const handler = (handlers as Record<string, UnaryCall | undefined>)[method.localName];
      if (method.methodKind !== "unary" || handler === undefined) continue;
      const call = interceptors.reduceRight<UnaryCall>(
        (next, interceptor) => interceptor(next, method),
        handler,
      );
      served.push({ path: `/${service.typeName}/${method.name}`, method, call, observe });
    }
  }
  return served;
}

/**
 * Serves one call: a server span continuing the caller's trace (its trace id goes back in the
 * `trace-id` response header, which a browser can show), the observer's log line and metrics,
 * and any failure as the ConnectError every protocol path writes (code, message, details, and
 * `retry-after` for a rate limit).
 */
export function serveUnary(
  served: ServedMethod,
  request: unknown,
  callContext: CallContext,
  headers: RequestHeaders,
  setResponseHeader: (key: string, value: string) => void,
): Promise<unknown> {
  const { path, call, observe } = served;
  const parent = propagation.extract(context.active(), headers, {
    get: (carrier, key) => carrier.get(key),
    keys: (carrier) => carrier.keys(),
  });
  const attributes = { "rpc.system": "connect_rpc", "rpc.method": path };
  return tracer().startActiveSpan(
    path,
    { kind: SpanKind.SERVER, attributes },
    parent,
    async (span) => {
      const traceId = span.spanContext().traceId;
      if (span.isRecording()) setResponseHeader("trace-id", traceId);
      const started = performance.now();
      try {
        const response = await call(request, callContext);
        observe({ method: path, code: Status.OK, durationMs: performance.now() - started });
        return response;
      } catch (thrown) {
        const error = toRpcError(thrown);
        observe({ method: path, code: error.code, durationMs: performance.now() - started, error });
        span.setAttribute("rpc.grpc.status_code", error.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        const errorHeaders: Record<string, string> = span.isRecording()
          ? { "trace-id": traceId }
          : {};
        if (error instanceof RetryLater) {
          errorHeaders["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
        }
        throw new ConnectError(
          error.message,
          error.code as number as Code,
          errorHeaders,
          detailMessages(detailsOf(error)),
          error,
        );
      } finally {
        span.end();
      }
    },
  );
}

/**
 * A handler's response as a message: its init shape made one, as connect-node does, or the
 * bytes of an {@link EncodedMessage} decoded (for a protocol that cannot write them as they are).
 */
export function responseMessage(output: DescMessage, response: unknown): Message {
  if (response instanceof EncodedMessage) return fromBinary(output, response.bytes);
  return create(output, response as never);
}

/** A handler's response as protobuf bytes; an {@link EncodedMessage}'s are sent as they came. */
export function responseBytes(output: DescMessage, response: unknown): Uint8Array {
  if (response instanceof EncodedMessage) return response.bytes;
  return toBinary(output, create(output, response as never));
}

// The same numbers name the same codes in gRPC and Connect; checked once at load.
if (Code.Unauthenticated !== (Status.UNAUTHENTICATED as number)) {
  throw new Error("Connect and gRPC status codes differ");
}
