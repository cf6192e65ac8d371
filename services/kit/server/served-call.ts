import type * as grpc from "@grpc/grpc-js";
import type { CallContext } from "../call-context.js";
import { RpcError, Status } from "../rpc-error.js";
import type { CallSpan } from "../telemetry/rpc-spans.js";
import { authorizedCall, callerIdentity } from "../trust/index.js";
import { CallCancellation } from "./call-cancellation.js";
import { errorField, undeliverable } from "./response-outcome.js";

/** How one call ended, for logs and metrics. */
export interface CallOutcome {
  readonly method: string;
  /** The caller's SPIFFE ID, when it presented one. */
  readonly peer?: string | undefined;
  /** Serial of the caller's certificate: shows which one it used during a rotation. */
  readonly peerSerial?: string | undefined;
  /** The authorization rule that let the call in, when a policy is in force. */
  readonly rule?: string | undefined;
  readonly code: Status;
  readonly durationMs: number;
  /** Set when the call failed; its cause holds the original error. */
  readonly error?: RpcError;
}

/** Told about every call that ends, whatever its outcome. */
export type CallObserver = (outcome: CallOutcome) => void;

/**
 * How much earlier than ours a caller's deadline may expire. The server counts the timeout from
 * when it read the headers, so the caller's own timer fires first, by the request's transit and
 * both event loops' lag, and its cancel can arrive just before our deadline: the caller then saw
 * DEADLINE_EXCEEDED, and so must our logs and metrics. (A caller cancelling on purpose this close
 * to its deadline is counted as timed out; it nearly was.)
 */
const clientDeadlineLeadMs = 50;

/**
 * The handler's view of the call, its span, and `end`, which marks it answered (so a later close
 * is no cancel), ends the span with the status sent, and tells the observer how it ended: the
 * status the client gets, which is not what the handler said when the caller has gone first.
 */
export function servedCall(
  method: string,
  call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
  observe: CallObserver,
  spans: (metadata: grpc.Metadata) => CallSpan,
): { context: CallContext; span: CallSpan; end: (error: RpcError | undefined) => void } {
  const started = performance.now();
  const span = spans(call.metadata);
  const cancellation = new CallCancellation();
  let finished = false;
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  // grpc-js emits "cancelled" whenever the stream closes, also after a normal end; and at the
  // deadline, when it has already answered DEADLINE_EXCEEDED.
  call.once("cancelled", () => {
    if (finished) return;
    if (Date.now() >= deadlineMs - clientDeadlineLeadMs) {
      cancellation.abort(new RpcError(Status.DEADLINE_EXCEEDED, "deadline exceeded"));
    } else cancellation.abort(new RpcError(Status.CANCELLED, "call cancelled"));
  });
  // The authorization interceptor has read the caller already (once per connection).
  const authorized = authorizedCall(call.metadata);
  const caller = authorized ? authorized.peer : callerIdentity(call.getAuthContext());
  const who = { peer: caller?.spiffeId, peerSerial: caller?.serial, rule: authorized?.rule };
  const context: CallContext = {
    method,
    peer: caller?.spiffeId,
    metadata: call.metadata,
    deadline: deadlineMs,
    get signal() {
      return cancellation.signal;
    },
    cancelled: cancellation,
    address: call.getPeer(),
  };
  return {
    context,
    span,
    end: (error) => {
      finished = true;
      const final = undeliverable({ deadline: deadlineMs, signal: cancellation }, error) ?? error;
      const durationMs = performance.now() - started;
      observe({ method, ...who, code: final?.code ?? Status.OK, durationMs, ...errorField(final) });
      span.end(error?.code ?? Status.OK);
    },
  };
}
