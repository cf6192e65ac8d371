import type { CallContext } from "../call-context.js";
import { RpcError, Status } from "../rpc-error.js";

/** How a method's responses become bytes, and the most the server may send. */
export interface ResponseEncoder {
  readonly serialize: (message: unknown) => Buffer;
  readonly maxBytes: number;
}

/** The response serializer grpc-js gets: the handlers hand it bytes they serialized. */
export function passThrough(bytes: unknown): Buffer {
  return bytes as Buffer;
}

/** Serializes a response; RESOURCE_EXHAUSTED (as grpc-js would answer) when it is too large. */
export function encode(encoder: ResponseEncoder, response: unknown): Buffer {
  const bytes = encoder.serialize(response);
  if (bytes.length > encoder.maxBytes) {
    throw new RpcError(
      Status.RESOURCE_EXHAUSTED,
      `response larger than max (${bytes.length} vs. ${encoder.maxBytes} bytes)`,
      {
        cause: new Error(`response of ${bytes.length} bytes exceeds the send limit: a bug`),
        details: { reason: "RESPONSE_TOO_LARGE" },
      },
    );
  }
  return bytes;
}

/**
 * The status the client got instead of ours when the caller went first: grpc-js ended the call
 * with DEADLINE_EXCEEDED at the deadline, or the client cancelled. Undefined while it waits.
 */
export function undeliverable(
  context: Pick<CallContext, "deadline"> & {
    readonly signal: Pick<AbortSignal, "aborted" | "reason">;
  },
  answer?: RpcError,
): RpcError | undefined {
  if (!context.signal.aborted && Date.now() < context.deadline) return undefined;
  const reason = context.signal.reason as RpcError | undefined;
  const code = reason?.code ?? Status.DEADLINE_EXCEEDED;
  return new RpcError(code, `caller gone before the answer (${Status[code]})`, {
    cause: answer ?? "the handler answered OK",
  });
}

/** `{ error }` when there is one, for an outcome under exactOptionalPropertyTypes. */
export function errorField(error: RpcError | undefined): { error?: RpcError } {
  return error ? { error } : {};
}
