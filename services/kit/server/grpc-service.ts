import type { DescMessage, DescMethod, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type * as grpc from "@grpc/grpc-js";
import type { CallContext } from "../call-context.js";
import { runForCall } from "../call-scope.js";
import { grpcStatus } from "../error-details/index.js";
import { invalidArgument } from "../rpc-error.js";
import { serverSpans } from "../telemetry/rpc-spans.js";
import { toRpcError } from "../to-rpc-error.js";
import { MalformedMessage, messageCodec } from "./message-codec.js";
import { encode, passThrough, type ResponseEncoder } from "./response-outcome.js";
import { type CallObserver, servedCall } from "./served-call.js";

/** A unary method: one request in, one response out. */
export type UnaryHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => Promise<MessageInitShape<O>>;

/** A server-streaming method: `send` each response; resolve to end the stream with OK. */
export type ServerStreamingHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  send: (response: MessageInitShape<O>) => void,
  context: CallContext,
) => Promise<void>;

type HandlerOf<M> = M extends {
  methodKind: "unary";
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? UnaryHandler<I, O>
  : M extends {
        methodKind: "server_streaming";
        input: infer I extends DescMessage;
        output: infer O extends DescMessage;
      }
    ? ServerStreamingHandler<I, O>
    : never;

type MethodsOf<S> = S extends GenService<infer M> ? M : never;

/** The typed implementation of a generated service: one async function per RPC. */
export type ServiceHandlers<S extends GenService<GenServiceMethods>> = {
  [K in keyof MethodsOf<S>]: HandlerOf<MethodsOf<S>[K]>;
};

/** A unary call as interceptors see it: untyped, so that one interceptor serves every method. */
export type UnaryCall = (request: unknown, context: CallContext) => Promise<unknown>;

/**
 * Cross-cutting behaviour around every unary handler (load shedding, fault injection, …).
 * Throw an RpcError to fail the call; call `next` to go on.
 */
export type UnaryInterceptor = (next: UnaryCall, method: DescMethod) => UnaryCall;

export type { CallObserver, CallOutcome } from "./served-call.js";

type UntypedCodec = {
  serialize(message: unknown): Buffer;
  deserialize(bytes: Buffer): unknown;
};

/** A service ready for `grpc.Server.addService`. */
export interface GrpcService {
  readonly typeName: string;
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
}

/** Options of {@link grpcService}. */
export interface GrpcServiceOptions {
  /** Outermost first. Apply to unary methods only: a stream is not one request. */
  readonly interceptors?: readonly UnaryInterceptor[];
  readonly observer?: CallObserver;
  /**
   * The server's `grpc.max_send_message_length`: a larger response is answered, logged and
   * measured as RESOURCE_EXHAUSTED, as the client sees it. Default 4 MiB.
   */
  readonly maxResponseBytes?: number;
}

/**
 * Turns a protoc-gen-es service and its typed handlers into a grpc-js service: path
 * `/${typeName}/${method.name}`, protobuf-es (de)serialization, errors mapped to status codes.
 */
export function grpcService<S extends GenService<GenServiceMethods>>(
  service: S,
  handlers: ServiceHandlers<S>,
  options: GrpcServiceOptions = {},
): GrpcService {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  const observe = options.observer ?? (() => {});
  const maxResponseBytes = options.maxResponseBytes ?? 4 * 1024 * 1024;
  for (const method of service.methods) {
    const handler = (handlers as Record<string, unknown>)[method.localName];
    if (typeof handler !== "function") {
      throw new Error(`${service.typeName}: no handler for ${method.name}`);
    }
    // grpc-js method definitions are untyped; the handler types above carry the types.
    const input = messageCodec(method.input) as UntypedCodec;
    const output = messageCodec(method.output) as UntypedCodec;
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: false,
      responseStream: method.methodKind === "server_streaming",
      requestSerialize: input.serialize,
      requestDeserialize: input.deserialize,
      // Responses are serialized by the handlers below, which must know their size.
      responseSerialize: passThrough,
      responseDeserialize: output.deserialize,
      originalName: method.localName,
    };
    if (method.methodKind === "unary") {
      const call = (options.interceptors ?? []).reduceRight<UnaryCall>(
        (next, interceptor) => interceptor(next, method),
        handler as UnaryCall,
      );
      implementation[method.localName] = unaryHandler(method, call, observe, {
        serialize: output.serialize,
        maxBytes: maxResponseBytes,
      });
    } else if (method.methodKind === "server_streaming") {
      implementation[method.localName] = serverStreamingHandler(
        method,
        handler as ServerStreamingHandler<DescMessage, DescMessage>,
        observe,
        { serialize: output.serialize, maxBytes: maxResponseBytes },
      );
    } else {
      throw new Error(`${service.typeName}.${method.name}: ${method.methodKind} is not supported`);
    }
  }
  return { typeName: service.typeName, definition, implementation };
}

function unaryHandler(
  method: DescMethod,
  call: UnaryCall,
  observe: CallObserver,
  encoder: ResponseEncoder,
): grpc.handleUnaryCall<unknown, unknown> {
  const path = `/${method.parent.typeName}/${method.name}`;
  const spans = serverSpans(path);
  return (serverCall, callback) => {
    const { context, end, span } = servedCall(path, serverCall, observe, spans);
    // The continuation too runs with the span active: the call's log line names its trace.
    span.run(() =>
      runForCall(context, () => run(serverCall.request, context, call)).then(
        (response) => {
          let bytes: Buffer;
          try {
            bytes = encode(encoder, response);
          } catch (thrown) {
            const error = toRpcError(thrown);
            end(error);
            callback(grpcStatus(error));
            return;
          }
          end(undefined);
          callback(null, bytes);
        },
        (thrown: unknown) => {
          const error = toRpcError(thrown);
          end(error);
          callback(grpcStatus(error));
        },
      ),
    );
  };
}

function serverStreamingHandler(
  method: DescMethod,
  handler: ServerStreamingHandler<DescMessage, DescMessage>,
  observe: CallObserver,
  encoder: ResponseEncoder,
): grpc.handleServerStreamingCall<unknown, unknown> {
  const path = `/${method.parent.typeName}/${method.name}`;
  const spans = serverSpans(path);
  return (serverCall) => {
    const { context, end, span } = servedCall(path, serverCall, observe, spans);
    const send = (response: unknown) => {
      // Throws RESOURCE_EXHAUSTED for an oversized message: the stream ends with it.
      const bytes = encode(encoder, response);
      if (!serverCall.cancelled) serverCall.write(bytes);
    };
    const stream = (request: unknown, ctx: CallContext) =>
      handler(request as MessageShape<DescMessage>, send, ctx);
    // The continuation too runs with the span active: the call's log line names its trace.
    span.run(() =>
      runForCall(context, () => run(serverCall.request, context, stream)).then(
        () => {
          end(undefined);
          serverCall.end();
        },
        (thrown: unknown) => {
          const error = toRpcError(thrown);
          end(error);
          serverCall.emit("error", grpcStatus(error));
        },
      ),
    );
  };
}

/** Rejects malformed requests before any handler sees them; turns sync throws into rejections. */
async function run(
  request: unknown,
  context: CallContext,
  call: (request: unknown, context: CallContext) => Promise<unknown>,
): Promise<unknown> {
  if (request instanceof MalformedMessage) {
    throw invalidArgument(
      "request",
      `not a valid message (${request.reason})`,
      "MALFORMED_REQUEST",
    );
  }
  return call(request, context);
}
