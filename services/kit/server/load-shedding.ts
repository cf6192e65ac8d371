import { RpcError, Status } from "../rpc-error.js";
import type { UnaryInterceptor } from "./grpc-service.js";

/**
 * The RetryInfo delay of a shed call: calls here last milliseconds, so a slot frees up soon; a
 * client that waits this long (plus its own jitter) no longer arrives in the same burst.
 */
export const shedRetryDelayMs = 100;

/**
 * Caps the calls a server works on at once. Beyond `maxInFlight`, calls are refused at once with
 * RESOURCE_EXHAUSTED, before any work: a refused call changed nothing and may be retried after a
 * backoff, while queueing it would only make every caller wait past its deadline.
 */
export function loadShedding(
  maxInFlight: number,
  onShed?: (method: string, inFlight: number) => void,
): { interceptor: UnaryInterceptor; inFlight: () => number } {
  let inFlight = 0;
  const interceptor: UnaryInterceptor = (next, method) => async (request, context) => {
    if (inFlight >= maxInFlight) {
      onShed?.(method.name, inFlight);
      throw new RpcError(
        Status.RESOURCE_EXHAUSTED,
        `server busy: ${inFlight} calls in flight (limit ${maxInFlight}); retry with backoff`,
        {
          details: {
            reason: "OVERLOADED",
            metadata: { inFlight: String(inFlight), limit: String(maxInFlight) },
            retryDelayMs: shedRetryDelayMs,
          },
        },
      );
    }
    inFlight++;
    try {
      return await next(request, context);
    } finally {
      inFlight--;
    }
  };
  return { interceptor, inFlight: () => inFlight };
}
