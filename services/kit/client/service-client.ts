import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import * as grpc from "@grpc/grpc-js";
import type { CallContext } from "../call-context.js";
import { type RpcError, Status } from "../rpc-error.js";
import { messageCodec } from "../server/message-codec.js";
import { CallerGaveUp } from "../status-semantics.js";
import { clientSpans } from "../telemetry/rpc-spans.js";
import type { BreakerRegistry } from "./circuit-breaker.js";
import type { EncodedMessage } from "./encoded-message.js";
import { type RetryBudget, type RetryPolicy, withRetries } from "./retry.js";
import { type AttemptBounds, type DownstreamMethod, sendUnary } from "./unary-attempt.js";
import type { UnaryChannel } from "./unary-channel.js";

type MethodsOf<S> = S extends GenService<infer M> ? M : never;

/** Per-call options of a {@link ServiceClient} method. */
export interface ClientCallOptions {
  /**
   * The server call this one is made for: its deadline caps this call's deadline, and its
   * signal (the caller cancelled, or its deadline passed) cancels this call on the wire.
   */
  readonly parent?: Pick<CallContext, "deadline"> &
    Partial<Pick<CallContext, "signal" | "cancelled">>;
  /** Overrides the method's timeout for this call, in milliseconds. */
  readonly timeoutMs?: number;
  /** Sent with the call, e.g. the end user the edge calls for. */
  readonly metadata?: Readonly<Record<string, string>>;
}

type UnaryMethod<M> = M extends {
  methodKind: "unary";
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? (request: MessageInitShape<I>, options?: ClientCallOptions) => Promise<MessageShape<O>>
  : never;

type EncodedMethod<M> = M extends { methodKind: "unary"; input: infer I extends DescMessage }
  ? (request: MessageInitShape<I>, options?: ClientCallOptions) => Promise<EncodedMessage>
  : never;

/** The same methods, answering with the response's bytes unread (for a caller that passes them on). */
export type EncodedMethods<S extends GenService<GenServiceMethods>> = {
  readonly [K in keyof MethodsOf<S>]: EncodedMethod<MethodsOf<S>[K]>;
};

/** A typed, promise-based client of a generated service's unary methods. */
export type ServiceClient<S extends GenService<GenServiceMethods>> = {
  readonly [K in keyof MethodsOf<S>]: UnaryMethod<MethodsOf<S>[K]>;
} & { readonly encoded: EncodedMethods<S>; close(): void };

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
  /**
   * A call whose parent's deadline leaves less than this is not sent (DEADLINE_EXCEEDED at
   * once, not held against the dependency): too short to be answered. Default 0.
   */
  readonly minTimeoutMs?: number;
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
  /** mTLS credentials pinning the server's identity; plaintext without them. */
  readonly credentials?: grpc.ChannelCredentials;
  /**
   * A channel to share with another client of the same server process (a second service it
   * serves): one connection, one load balancer. Target, credentials and channelOptions are then
   * those it was opened with. A grpc-js `Client`, or the lean {@link UnaryChannel} of `./h2/`.
   */
  readonly channel?: UnaryChannel;
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
  const channel = options.channel ?? openChannel(options);
  const encoded: Record<string, unknown> = {};
  const client: Record<string, unknown> = { encoded, close: () => channel.close() };
  const policies = (options.methods ?? {}) as Record<string, MethodPolicy | undefined>;
  const minTimeoutMs = options.minTimeoutMs ?? 0;
  const target = channel.getChannel().getTarget();
  for (const method of service.methods) {
    if (method.methodKind !== "unary") continue;
    if (options.onlyListedMethods && !(method.localName in policies)) continue;
    const path = `/${service.typeName}/${method.name}`;
    const downstream: DownstreamMethod = {
      dependency: options.dependency,
      name: method.name,
      path,
      serialize: messageCodec(method.input).serialize as (message: unknown) => Buffer,
      deserialize: messageCodec(method.output).deserialize,
      span: clientSpans(path, target),
    };
    const policy = policies[method.localName] ?? {};
    const attempt = (request: unknown, bounds: AttemptBounds) =>
      sendUnary(channel, downstream, request, bounds);
    const retry = options.retry;
    const retried =
      policy.idempotent && retry
        ? (request: unknown, bounds: AttemptBounds) =>
            withRetries((deadline) => attempt(request, { ...bounds, deadline }), {
              ...retry,
              deadline: bounds.deadline,
              onRetry: (attemptNumber, error) => retry.onRetry?.(method.name, attemptNumber, error),
            })
        : attempt;
    const guarded = options.breakers
      ? options.breakers.protect(options.dependency, method.name, retried)
      : retried;

    // One breaker and one retry policy per method, whichever way its response comes back.
    const send =
      (encodedResponse: boolean) =>
      (request: unknown, call: ClientCallOptions = {}) => {
        const timeoutMs = call.timeoutMs ?? policy.timeoutMs ?? options.timeoutMs;
        const own = Date.now() + timeoutMs;
        const parent = call.parent;
        const callersDeadline = parent !== undefined && parent.deadline <= own;
        const bounds = {
          deadline: callersDeadline ? parent.deadline : own,
          callersDeadline,
          // Its cheap cancellation when it has one; its AbortSignal otherwise.
          signal: parent?.cancelled ?? parent?.signal,
          metadata: call.metadata,
          encoded: encodedResponse,
        };
        // Decided before the breaker: a call the caller has no time for is not the dependency's
        // failure, and sending it would only load the dependency with work nobody waits for.
        const refusal = notWorthSending(downstream, bounds, minTimeoutMs);
        return refusal ? Promise.reject(refusal) : guarded(request, bounds);
      };
    client[method.localName] = send(false);
    encoded[method.localName] = send(true);
  }
  return client as ServiceClient<S>;
}

/** A {@link CallerGaveUp} when the caller's deadline leaves less than `minTimeoutMs`. */
function notWorthSending(
  method: DownstreamMethod,
  bounds: AttemptBounds,
  minTimeoutMs: number,
): CallerGaveUp | undefined {
  if (!bounds.callersDeadline) return undefined;
  const left = bounds.deadline - Date.now();
  if (left >= minTimeoutMs && left > 0) return undefined;
  return new CallerGaveUp(
    Status.DEADLINE_EXCEEDED,
    `${method.name} to ${method.dependency} not sent: the caller's deadline leaves ${Math.max(0, Math.round(left))} ms`,
  );
}

/** A channel to `options.target`, balancing over every address its name resolves to. */
export function openChannel(
  options: Pick<
    ServiceClientOptions<GenService<GenServiceMethods>>,
    "target" | "credentials" | "channelOptions"
  >,
): grpc.Client {
  return new grpc.Client(options.target, options.credentials ?? grpc.credentials.createInsecure(), {
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
}
