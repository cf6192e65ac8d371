import * as grpc from "@grpc/grpc-js";
import type { CancelSignal } from "../call-context.js";
import { callerGone } from "../call-scope.js";
import { type ErrorDetails, receivedDetails } from "../error-details/index.js";
import { RpcError, Status } from "../rpc-error.js";
import { MalformedMessage } from "../server/message-codec.js";
import { CallerGaveUp, meaningOf } from "../status-semantics.js";
import type { ClientSpan } from "../telemetry/rpc-spans.js";
import { keepEncoded } from "./encoded-message.js";
import type { UnaryChannel } from "./unary-channel.js";

/** One downstream method, as {@link sendUnary} needs it. */
export interface DownstreamMethod {
  /** Names the dependency in errors, e.g. "product service". */
  readonly dependency: string;
  /** The RPC name, e.g. "ReserveStock". */
  readonly name: string;
  readonly path: string;
  readonly serialize: (message: unknown) => Buffer;
  readonly deserialize: (bytes: Buffer) => unknown;
  /** Starts each attempt's CLIENT span (and puts its trace context in the metadata). */
  readonly span: (metadata: grpc.Metadata) => ClientSpan;
}

/** The bounds of one attempt: its deadline, and whose it is. */
export interface AttemptBounds {
  readonly deadline: number;
  /** True when the deadline is the caller's own (it was nearer than the method's timeout). */
  readonly callersDeadline: boolean;
  /** The caller's signal: aborting it cancels the call on the wire. */
  readonly signal?: CancelSignal | undefined;
  /** Sent with the call (the end user the edge calls for). */
  readonly metadata?: Readonly<Record<string, string>> | undefined;
  /** Hand back the response's bytes unread, as an EncodedMessage. */
  readonly encoded?: boolean | undefined;
}

/**
 * Sends one unary call. The caller's cancellation cancels it on the wire (the dependency's
 * handler sees its signal abort), and a failure the caller caused (it cancelled, or its own
 * deadline passed) is a {@link CallerGaveUp}, which breakers do not hold against the dependency.
 */
export function sendUnary(
  channel: UnaryChannel,
  method: DownstreamMethod,
  request: unknown,
  bounds: AttemptBounds,
): Promise<unknown> {
  const { signal } = bounds;
  if (signal?.aborted) return Promise.reject(callerGone({ deadline: bounds.deadline, signal }));
  return new Promise<unknown>((resolve, reject) => {
    const cancel = () => call.cancel();
    const metadata = toMetadata(bounds.metadata);
    const span = method.span(metadata);
    const call = channel.makeUnaryRequest(
      method.path,
      method.serialize,
      bounds.encoded ? keepEncoded : method.deserialize,
      request,
      metadata,
      { deadline: bounds.deadline },
      (error, response) => {
        span.end(error);
        signal?.removeEventListener("abort", cancel);
        if (error) {
          if (signal?.aborted) reject(callerGone({ deadline: bounds.deadline, signal }, error));
          else reject(downstreamError(method, error, bounds.callersDeadline));
        } else if (response instanceof MalformedMessage || response === undefined) {
          reject(new RpcError(Status.INTERNAL, `${method.dependency} sent a malformed response`));
        } else resolve(response);
      },
    );
    signal?.addEventListener("abort", cancel, { once: true });
  });
}

/**
 * What our caller gets for a dependency's failure: the table's code; for the caller's own
 * mistakes the dependency's message and details (its reason reaches our caller), for failures
 * ours, with a reason naming the dependency and any retry delay it asked for.
 */
export function downstreamError(
  method: Pick<DownstreamMethod, "dependency" | "name">,
  error: grpc.ServiceError,
  callersDeadline = false,
): RpcError {
  const { dependency, name } = method;
  const received = receivedDetails(error.metadata);
  const ours = (reason: string): ErrorDetails => ({
    reason,
    metadata: { dependency, method: name },
    ...(received?.retryDelayMs !== undefined && { retryDelayMs: received.retryDelayMs }),
  });
  if (error.code === Status.DEADLINE_EXCEEDED) {
    const message = `${dependency} did not answer ${name} in time`;
    const options = { cause: error, details: ours("DEPENDENCY_TIMEOUT") };
    // The caller's own deadline cut the call: that says nothing about the dependency.
    return callersDeadline
      ? new CallerGaveUp(error.code, message, options)
      : new RpcError(error.code, message, options);
  }
  const meaning = meaningOf(error.code);
  if (meaning.relayMessage) {
    return new RpcError(meaning.relayedAs, error.details || Status[error.code], {
      cause: error,
      details: received,
    });
  }
  const [reason, message] = relayed(dependency, name, error.code);
  return new RpcError(meaning.relayedAs, message, { cause: error, details: ours(reason) });
}

function relayed(dependency: string, method: string, code: Status): [string, string] {
  switch (code) {
    case Status.UNAVAILABLE:
    case Status.CANCELLED:
      return ["DEPENDENCY_UNAVAILABLE", `${dependency} unavailable, retry later`];
    case Status.RESOURCE_EXHAUSTED:
      return [
        "DEPENDENCY_OVERLOADED",
        `${dependency} could not take ${method} now (resource exhausted), retry later`,
      ];
    case Status.ABORTED:
      return ["DEPENDENCY_CONFLICT", `${dependency}: ${method} met a concurrent change, retry`];
    default:
      return [
        "DEPENDENCY_FAILED",
        `${dependency} failed ${method} (${Status[code] ?? code}); logged as a bug`,
      ];
  }
}

function toMetadata(entries: Readonly<Record<string, string>> = {}): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
}
