import { status as Status } from "@grpc/grpc-js";

/** gRPC status codes, re-exported so that services name codes without importing grpc-js. */
export { Status };

/**
 * An error that crosses the wire as a gRPC status. Only the code and the message reach the
 * caller; the cause stays in the server's log.
 */
export class RpcError extends Error {
  override readonly name = "RpcError";

  constructor(
    readonly code: Status,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** INVALID_ARGUMENT naming the field and the rule it broke, e.g. `email: must be an email address`. */
export function invalidArgument(field: string, rule: string): RpcError {
  return new RpcError(Status.INVALID_ARGUMENT, `${field}: ${rule}`);
}

/** NOT_FOUND naming what was looked for, e.g. `user 3f… not found`. */
export function notFound(what: string): RpcError {
  return new RpcError(Status.NOT_FOUND, `${what} not found`);
}

/** ALREADY_EXISTS with the reason. */
export function alreadyExists(message: string): RpcError {
  return new RpcError(Status.ALREADY_EXISTS, message);
}

/** FAILED_PRECONDITION: the request is valid but the system's state refuses it. */
export function failedPrecondition(message: string): RpcError {
  return new RpcError(Status.FAILED_PRECONDITION, message);
}

/** UNAVAILABLE: a dependency can't be reached; the caller may retry later. */
export function unavailable(message: string, cause?: unknown): RpcError {
  return new RpcError(Status.UNAVAILABLE, message, { cause });
}
