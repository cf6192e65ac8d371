import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import * as grpc from "@grpc/grpc-js";
import type { CallContext } from "./call-context.js";
import { MalformedMessage, messageCodec } from "./message-codec.js";
import { RpcError, Status } from "./rpc-error.js";

type MethodsOf<S> = S extends GenService<infer M> ? M : never;

/** Per-call options of a {@link ServiceClient} method. */
export interface ClientCallOptions {
  /** The server call this one is made for: its deadline caps this call's deadline. */
  readonly parent?: Pick<CallContext, "deadline">;
  /** Overrides the client's default timeout for this call, in milliseconds. */
  readonly timeoutMs?: number;
}

type UnaryMethod<M> = M extends {
  methodKind: "unary";
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? (request: MessageInitShape<I>, options?: ClientCallOptions) => Promise<MessageShape<O>>
  : never;

/** A typed, promise-based client of a generated service's unary methods. */
export type ServiceClient<S extends GenService<GenServiceMethods>> = {
  readonly [K in keyof MethodsOf<S>]: UnaryMethod<MethodsOf<S>[K]>;
} & { close(): void };

/** Options of {@link createServiceClient}. */
export interface ServiceClientOptions {
  /** Names the dependency in errors and logs, e.g. "product service". */
  readonly dependency: string;
  /** e.g. `dns:///product-headless.shop.svc.cluster.local:50052` or `localhost:50052`. */
  readonly target: string;
  /** Deadline of a call made without a shorter one from its parent. */
  readonly timeoutMs: number;
  readonly channelOptions?: grpc.ChannelOptions;
}

/**
 * A grpc-js client for `service`. Every call has a deadline (the client's timeout, or less when
 * the parent call has less time left, so no downstream works longer than its caller waits), and
 * failures come back as RpcErrors that name the dependency.
 */
export function createServiceClient<S extends GenService<GenServiceMethods>>(
  service: S,
  options: ServiceClientOptions,
): ServiceClient<S> {
  const channel = new grpc.Client(options.target, grpc.credentials.createInsecure(), {
    // Spread calls over every address the name resolves to (each pod of a headless Service).
    "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    ...options.channelOptions,
  });
  const client: Record<string, unknown> = { close: () => channel.close() };
  for (const method of service.methods) {
    if (method.methodKind !== "unary") continue;
    const path = `/${service.typeName}/${method.name}`;
    const input = messageCodec(method.input) as { serialize(message: unknown): Buffer };
    const output = messageCodec(method.output);
    client[method.localName] = (request: unknown, call: ClientCallOptions = {}) =>
      new Promise((resolve, reject) => {
        const timeoutMs = call.timeoutMs ?? options.timeoutMs;
        const deadline = Math.min(Date.now() + timeoutMs, call.parent?.deadline ?? Infinity);
        channel.makeUnaryRequest(
          path,
          input.serialize,
          output.deserialize,
          request,
          new grpc.Metadata(),
          { deadline },
          (error, response) => {
            if (error) reject(downstreamError(options.dependency, method.name, error));
            else if (response instanceof MalformedMessage || response === undefined) {
              reject(
                new RpcError(Status.INTERNAL, `${options.dependency} sent a malformed response`),
              );
            } else resolve(response);
          },
        );
      });
  }
  return client as ServiceClient<S>;
}

function downstreamError(dependency: string, method: string, error: grpc.ServiceError): RpcError {
  const details = error.details || Status[error.code];
  if (error.code === Status.DEADLINE_EXCEEDED) {
    return new RpcError(error.code, `${dependency} did not answer ${method} in time`, {
      cause: error,
    });
  }
  if (error.code === Status.UNAVAILABLE) {
    return new RpcError(error.code, `${dependency} unavailable: ${details}`, { cause: error });
  }
  return new RpcError(error.code, details, { cause: error });
}
