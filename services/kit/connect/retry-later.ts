import { RpcError, Status } from "../rpc-error.js";

/** RESOURCE_EXHAUSTED with a hint, sent as a `retry-after` header (seconds), of when to retry. */
export class RetryLater extends RpcError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(Status.RESOURCE_EXHAUSTED, message, {
      details: { reason: "RATE_LIMITED", retryDelayMs: retryAfterMs },
    });
  }
}
