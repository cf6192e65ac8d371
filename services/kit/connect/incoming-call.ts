import type { IncomingHttpHeaders } from "node:http";
import { Metadata } from "@grpc/grpc-js";
import type { CallContext } from "../call-context.js";
import { RpcError, Status } from "../rpc-error.js";
import { CallCancellation } from "../server/call-cancellation.js";
import type { RequestHeaders } from "./served-unary.js";

/**
 * One call's cancellation on the kit's own protocol paths: aborted when the caller goes first
 * (its stream or connection closes unanswered) or its deadline passes. The AbortController and
 * the deadline's timer are made only when something asks for the signal (the edge's forwarding
 * does); connect-node made both for every call and aborted each at its end, which built a
 * DOMException with a stack trace per call (bench/README.md, "What the edge costs").
 */
export class IncomingCall {
  private readonly cancellation = new CallCancellation();
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  /** Absolute, in ms since the epoch; set once the call's headers are read. */
  deadline = Number.POSITIVE_INFINITY;

  /** The signal a handler and its downstream calls listen on. */
  get signal(): AbortSignal {
    const { signal } = this.cancellation;
    if (!this.timer && !this.done && Number.isFinite(this.deadline)) {
      const expire = () =>
        this.cancellation.abort(new RpcError(Status.DEADLINE_EXCEEDED, "deadline exceeded"));
      this.timer = setTimeout(expire, Math.max(0, this.deadline - Date.now()));
    }
    return signal;
  }

  /** The caller's cancellation without a signal (see {@link CallContext.cancelled}). */
  get cancelled(): CallCancellation {
    return this.cancellation;
  }

  /** The answer is being sent: a later close is no cancel. */
  answered(): void {
    this.done = true;
    clearTimeout(this.timer);
  }

  /** The caller's stream or connection closed; a cancel unless already answered. */
  closed(): void {
    if (!this.done) this.cancellation.abort(new RpcError(Status.CANCELLED, "call cancelled"));
    this.answered();
  }
}

/**
 * The handler's view of a call read from HTTP headers, as the connect-node routes build it:
 * every header but HTTP/2's pseudo-headers and binary ones as metadata.
 */
export function incomingContext(
  path: string,
  headers: IncomingHttpHeaders,
  deadline: number,
  call: IncomingCall,
  address: string,
): CallContext {
  call.deadline = deadline;
  const metadata = new Metadata();
  for (const key in headers) {
    const value = headers[key];
    // Binary headers need Buffers, and nothing downstream reads them from outside callers.
    if (key.startsWith(":") || key.endsWith("-bin") || value === undefined) continue;
    metadata.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  return {
    method: path,
    metadata,
    deadline,
    get signal() {
      return call.signal;
    },
    cancelled: call.cancelled,
    address,
  };
}

/** Node's header object as {@link RequestHeaders} (what trace propagation reads). */
export function headerReader(headers: IncomingHttpHeaders): RequestHeaders {
  return {
    get: (key) => {
      const value = headers[key];
      return Array.isArray(value) ? value.join(", ") : value;
    },
    keys: () => Object.keys(headers).filter((key) => !key.startsWith(":")),
  };
}
