import { type ConnectRouter, createContextKey, type HandlerContext } from "@connectrpc/connect";
import { Metadata } from "@grpc/grpc-js";
import type { CallContext } from "../call-context.js";
import { responseMessage, type ServedMethod, serveUnary } from "./served-unary.js";

/** The caller's address as `host:port`, filled in from the socket for every request. */
export const peerKey = createContextKey("", { description: "caller address" });

/**
 * Serves kit-style handlers (request, CallContext) over connect-node, so that one handler
 * answers Connect, gRPC-Web and gRPC alike with the kit's interceptors, logs, metrics and error
 * mapping ({@link serveUnary}).
 */
export function connectRoutes(methods: readonly ServedMethod[]): (router: ConnectRouter) => void {
  return (router) => {
    const byService = new Map<ServedMethod["method"]["parent"], Record<string, unknown>>();
    for (const served of methods) {
      const service = served.method.parent;
      const implementation = byService.get(service) ?? {};
      byService.set(service, implementation);
      implementation[served.method.localName] = async (
        request: unknown,
        handler: HandlerContext,
      ) => {
        const response = await serveUnary(
          served,
          request,
          callContext(served.path, handler),
          {
            get: (key) => handler.requestHeader.get(key) ?? undefined,
            keys: () => [...handler.requestHeader.keys()],
          },
          (key, value) => handler.responseHeader.set(key, value),
        );
        return responseMessage(served.method.output, response);
      };
    }
    for (const [service, implementation] of byService) {
      router.service(service, implementation as never);
    }
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
