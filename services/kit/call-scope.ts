import { AsyncLocalStorage } from "node:async_hooks";
import type { CallContext, CancelSignal } from "./call-context.js";
import { RpcError, Status } from "./rpc-error.js";
import { CallerGaveUp } from "./status-semantics.js";

/** What work done for a call is bounded by: the caller's deadline and cancellation. */
export type CallBounds = Pick<CallContext, "deadline" | "signal">;

// The call a piece of work is done for, found without threading it through every store method:
// the database layer bounds each query by it, as OpenTelemetry finds the active span.
const scope = new AsyncLocalStorage<CallBounds>();

/** Runs `work` (a handler) as work done for the call `bounds` describes. */
export function runForCall<T>(bounds: CallBounds, work: () => T): T {
  return scope.run(bounds, work);
}

/** The bounds of the call the current work is done for; undefined outside any call. */
export function currentCall(): CallBounds | undefined {
  return scope.getStore();
}

/**
 * Runs `work` free of the caller's deadline and cancellation, for what must finish although
 * the caller has gone (compensation: giving reserved stock back). The database's ceiling
 * (DATABASE_STATEMENT_TIMEOUT_MS) still bounds every query, as Go's `context.WithoutCancel`.
 */
export function outlivingCaller<T>(work: () => T): T {
  return scope.exit(work);
}

/**
 * The error for work refused or stopped because the caller gave up (its deadline passed, or it
 * cancelled), with that code; never held against a dependency.
 */
export function callerGone(
  bounds: Pick<CallBounds, "deadline"> & { readonly signal: CancelSignal },
  cause?: unknown,
): CallerGaveUp {
  const reason: unknown = bounds.signal.reason;
  const deadlinePassed =
    (reason instanceof RpcError && reason.code === Status.DEADLINE_EXCEEDED) ||
    (!bounds.signal.aborted && Date.now() >= bounds.deadline);
  return deadlinePassed
    ? new CallerGaveUp(Status.DEADLINE_EXCEEDED, "deadline exceeded before the work finished", {
        cause,
      })
    : new CallerGaveUp(Status.CANCELLED, "call cancelled by the caller", { cause });
}
