import type { CancelSignal } from "../call-context.js";
import type { RpcError } from "../rpc-error.js";

/**
 * A served call's cancellation, whose AbortController is made only when something asks for the
 * signal (a query, a downstream call, a handler). Node's AbortController is an EventTarget and
 * cost ~5 µs of CPU per call in a profile of cached GetProduct reads that never look at it
 * (bench/README.md); `aborted` and `reason` answer without one.
 */
export class CallCancellation implements CancelSignal {
  private controller: AbortController | undefined;
  private why: RpcError | undefined;
  private listeners: (() => void)[] | undefined;

  /** Aborted (with the reason) if the call already was. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.why) this.controller.abort(this.why);
    }
    return this.controller.signal;
  }

  /** Whether the call was cancelled or ran out of time. */
  get aborted(): boolean {
    return this.why !== undefined;
  }

  /** Why, once it was. */
  get reason(): RpcError | undefined {
    return this.why;
  }

  /** Calls `listener` once when the call is cancelled, without making the AbortSignal. */
  addEventListener(_type: "abort", listener: () => void): void {
    this.listeners ??= [];
    this.listeners.push(listener);
  }

  /** Stops calling `listener`. */
  removeEventListener(_type: "abort", listener: () => void): void {
    const listeners = this.listeners;
    if (!listeners) return;
    const at = listeners.indexOf(listener);
    if (at >= 0) listeners.splice(at, 1);
  }

  /** Cancels the call: whoever listens on the signal (or here) stops. */
  abort(reason: RpcError): void {
    if (this.why) return;
    this.why = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of listeners ?? []) listener();
  }
}
