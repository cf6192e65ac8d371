import type { RpcError } from "../rpc-error.js";

/**
 * A served call's cancellation, whose AbortController is made only when something asks for the
 * signal (a query, a downstream call, a handler). Node's AbortController is an EventTarget and
 * cost ~5 µs of CPU per call in a profile of cached GetProduct reads that never look at it
 * (bench/README.md); `aborted` and `reason` answer without one.
 */
export class CallCancellation {
  private controller: AbortController | undefined;
  private why: RpcError | undefined;

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

  /** Cancels the call: whoever listens on the signal stops. */
  abort(reason: RpcError): void {
    if (this.why) return;
    this.why = reason;
    this.controller?.abort(reason);
  }
}
