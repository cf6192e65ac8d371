import type { Metadata } from "@grpc/grpc-js";
import type { EndUser } from "./end-user/end-user.js";

/** What a handler knows about the call it serves, besides the request. */
export interface CallContext {
  /** Full method path, e.g. `/shopmesh.user.v1.UserService/GetUser`. */
  readonly method: string;
  /**
   * The caller's verified SPIFFE ID (from its client certificate); undefined on a plaintext
   * connection or for a certificate without one.
   */
  readonly peer?: string | undefined;
  /** The caller's metadata (headers). */
  readonly metadata: Metadata;
  /** Absolute deadline in milliseconds since the epoch; `Infinity` when the caller set none. */
  readonly deadline: number;
  /** Aborted when the caller cancels or the deadline passes: stop work nobody waits for. */
  readonly signal: AbortSignal;
  /**
   * The caller's cancellation without an AbortSignal (an AbortController and a deadline timer per
   * call cost the edge ~4% of its CPU per forwarded call): what a downstream call listens on. It
   * does not abort at the deadline: a downstream call carries that deadline itself.
   */
  readonly cancelled?: CancelSignal;
  /** The caller's network address, as grpc-js names it: `127.0.0.1:40112`. */
  readonly address?: string | undefined;
  /** The end user the call is made for, set only when the caller may say so (the edge). */
  readonly endUser?: EndUser;
}

/** What the kit's client listens on for a caller's cancellation: an AbortSignal is one. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}
