import type { DescMethod } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createContextKey,
  type HandlerContext,
} from "@connectrpc/connect";
import { Metadata } from "@grpc/grpc-js";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { CallContext } from "../call-context.js";
import { detailMessages, detailsOf } from "../error-details/index.js";
import { Status } from "../rpc-error.js";
import type { CallObserver, UnaryCall, UnaryInterceptor } from "../server/grpc-service.js";
import { toRpcError } from "../to-rpc-error.js";
import type { ExposedService } from "./exposed-service.js";
import { RetryLater } from "./retry-later.js";

/** The caller's address as `host:port`, filled in from the socket for every request. */
export const peerKey = createContextKey("", { description: "caller address" });

/** Options of {@link connectRoutes}. */
export interface ConnectRoutesOptions {
  /** Outermost first, as for grpc-js services. */
  readonly interceptors: readonly UnaryInterceptor[];
  readonly observer: CallObserver;
}

const tracer = () => trace.getTracer("shopmesh-connect");

/**
 * Serves kit-style handlers (request, CallContext) over connect-node, so that one handler
 * answers Connect, gRPC-Web and gRPC alike with the kit's interceptors, logs, metrics and error
 * mapping. Every call is a server span continuing the caller's trace; its trace id goes back in
 * the `trace-id` response header (a browser can show it).
 */
export function connectRoutes(
  services: readonly ExposedService[],
  options: ConnectRoutesOptions,
): (router: ConnectRouter) => void {
  return (router) => {
    for (const { service, handlers } of services) {
      const implementation: Record<string, unknown> = {};
      for (const method of service.methods) {
        const handler = (handlers as Record<string, UnaryCall | undefined>)[method.localName];
        if (method.methodKind !== "unary" || handler === undefined) continue;
        const call = options.interceptors.reduceRight<UnaryCall>(
          (next, interceptor) => interceptor(next, method),
          handler,
        );
        implementation[method.localName] = unary(method, call, options.observer);
      }
      router.service(service, implementation as never);
    }
  };
}

function unary(method: DescMethod, call: UnaryCall, observe: CallObserver) {
  const path = `/${method.parent.typeName}/${method.name}`;
  return (request: unknown, handlerContext: HandlerContext) => {
    const parent = propagation.extract(context.active(), handlerContext.requestHeader, {
      get: (headers, key) => headers.get(key) ?? undefined,
      keys: (headers) => [...headers.keys()],
    });
    const attributes = { "rpc.system": "connect_rpc", "rpc.method": path };
    return tracer().startActiveSpan(
      path,
      { kind: SpanKind.SERVER, attributes },
      parent,
      async (span) => {
        const traceId = span.spanContext().traceId;
        if (span.isRecording()) handlerContext.responseHeader.set("trace-id", traceId);
        const started = performance.now();
        try {
          const response = await call(request, callContext(path, handlerContext));
          observe({ method: path, code: Status.OK, durationMs: performance.now() - started });
          return response;
        } catch (thrown) {
          const error = toRpcError(thrown);
          observe({
            method: path,
            code: error.code,
            durationMs: performance.now() - started,
            error,
          });
          span.setAttribute("rpc.grpc.status_code", error.code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          const headers: Record<string, string> = span.isRecording() ? { "trace-id": traceId } : {};
          if (error instanceof RetryLater) {
            headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
          }
          throw new ConnectError(
            error.message,
            error.code as number as Code,
            headers,
            detailMessages(detailsOf(error)),
            error,
          );
        } finally {
          span.end();
        }
      },
    );
  };
}

function callContext(path: string, handlerContext: HandlerContext): CallContext {
  const metadata = new Metadata();
  for (const [key, value] of handlerContext.requestHeader) {
    // Binary headers need Buffers, and nothing downstream reads them from outside callers.
    if (!key.endsWith("-bin")) metadata.set(key, value);
  }
  const timeoutMs = handlerContext.timeoutMs();
  return {
    method: path,
    metadata,
    deadline: timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs,
    signal: handlerContext.signal,
    address: handlerContext.values.get(peerKey),
  };
}

// The same numbers name the same codes in gRPC and Connect; checked once at load.
if (Code.Unauthenticated !== (Status.UNAUTHENTICATED as number)) {
  throw new Error("Connect and gRPC status codes differ");
}
