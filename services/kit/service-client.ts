import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import * as grpc from "@grpc/grpc-js";
import type { CallContext } from "./call-context.js";
import type { BreakerRegistry } from "./circuit-breaker.js";
import { MalformedMessage, messageCodec } from "./message-codec.js";
import { type RetryBudget, type RetryPolicy, withRetries } from "./retry.js";
import { RpcError, Status } from "./rpc-error.js";

type MethodsOf<S> = S extends GenService<infer M> ? M : never;

/** Per-call options of a {@link ServiceClient} method. */
export interface ClientCallOptions {
  /** The server call this one is made for: its deadline caps this call's deadline. */
  readonly parent?: Pick<CallContext, "deadline">;
  /** Overrides the method's timeout for this call, in milliseconds. */
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

/** How one method is called. */
export interface MethodPolicy {
  /** Deadline of a call made without a shorter one from its parent; else the client's. */
  readonly timeoutMs?: number;
  /**
   * Safe to send twice: a read, or a write keyed by an idempotency key (ReserveStock per
   * order_id). Only such methods are retried.
   */
  readonly idempotent?: boolean;
}

/** Options of {@link createServiceClient}. */
export interface ServiceClientOptions<S extends GenService<GenServiceMethods>> {
  /** Names the dependency in errors and logs, e.g. "product service". */
  readonly dependency: string;
  /** e.g. `dns:///product-headless.shop.svc.cluster.local:50052` or `localhost:50052`. */
  readonly target: string;
  /** Deadline of a call whose method has no timeout of its own. */
  readonly timeoutMs: number;
  readonly methods?: { readonly [K in keyof MethodsOf<S>]?: MethodPolicy };
  /** Build only the methods named in `methods` (no breakers for calls never made). */
  readonly onlyListedMethods?: boolean;
  /** Retries of idempotent methods on UNAVAILABLE; none without it. */
  readonly retry?: {
    readonly policy: RetryPolicy;
    readonly budget: RetryBudget;
    readonly onRetry?: (method: string, attempt: number, error: RpcError) => void;
  };
  /** One breaker per method, registered here; none without it. */
  readonly breakers?: BreakerRegistry;
  readonly channelOptions?: grpc.ChannelOptions;
}

/**
 * A grpc-js client for `service`, resilient by construction: every call has a deadline (the
 * method's timeout, or less when the parent call has less time left, so no downstream works
 * longer than its caller waits); idempotent methods are retried on UNAVAILABLE within a retry
 * budget; each method sits behind its own circuit breaker. Failures are RpcErrors that name the
 * dependency.
 */
export function createServiceClient<S extends GenService<GenServiceMethods>>(
  service: S,
  options: ServiceClientOptions<S>,
): ServiceClient<S> {
  const channel = new grpc.Client(options.target, grpc.credentials.createInsecure(), {
    // Spread calls over every address the name resolves to (each pod of a headless Service).
    "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    // Reconnect soon after a dependency comes back; grpc-js would otherwise back off up to 120 s.
    "grpc.initial_reconnect_backoff_ms": 200,
    "grpc.max_reconnect_backoff_ms": 2_000,
    // Re-resolve DNS at most once a second (grpc-js default: 30 s). Servers close connections
    // at their max age and pods come and go; with 30 s, a client would keep dialling addresses
    // of pods long gone and not see new ones for half a minute.
    "grpc.dns_min_time_between_resolutions_ms": 1_000,
    ...options.channelOptions,
  });
  const client: Record<string, unknown> = { close: () => channel.close() };
  const policies = (options.methods ?? {}) as Record<string, MethodPolicy | undefined>;
  for (const method of service.methods) {
    if (method.methodKind !== "unary") continue;
    if (options.onlyListedMethods && !(method.localName in policies)) continue;
    const path = `/${service.typeName}/${method.name}`;
    const input = messageCodec(method.input) as { serialize(message: unknown): Buffer };
    const output = messageCodec(method.output);
    const policy = policies[method.localName] ?? {};

    const attempt = (request: unknown, deadline: number) =>
      new Promise<unknown>((resolve, reject) => {
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
    const retry = options.retry;
    const retried =
      policy.idempotent && retry
        ? (request: unknown, deadline: number) =>
            withRetries((attemptDeadline) => attempt(request, attemptDeadline), {
              ...retry,
              deadline,
              onRetry: (attemptNumber, error) => retry.onRetry?.(method.name, attemptNumber, error),
            })
        : attempt;
    const guarded = options.breakers
      ? options.breakers.protect(options.dependency, method.name, retried)
      : retried;

    client[method.localName] = (request: unknown, call: ClientCallOptions = {}) => {
      const timeoutMs = call.timeoutMs ?? policy.timeoutMs ?? options.timeoutMs;
      return guarded(request, Math.min(Date.now() + timeoutMs, call.parent?.deadline ?? Infinity));
    };
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
