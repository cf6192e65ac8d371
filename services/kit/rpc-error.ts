import { status as Status } from "@grpc/grpc-js";
import type { ErrorDetails, ResourceRef } from "./error-details/error-details.js";

/** gRPC status codes, re-exported so that services name codes without importing grpc-js. */
export { Status };

/**
 * An error that crosses the wire as a gRPC status. The code, the message and the details (a
 * google.rpc.Status in `grpc-status-details-bin`) reach the caller; the cause stays in the
 * server's log.
 */
export class RpcError extends Error {
  override readonly name = "RpcError";
  /** What a program can act on: the reason, and the detail types the code calls for. */
  readonly details: ErrorDetails | undefined;

  constructor(
    readonly code: Status,
    message: string,
    options?: { cause?: unknown; details?: ErrorDetails | undefined },
  ) {
    super(message, options && "cause" in options ? { cause: options.cause } : undefined);
    this.details = options?.details;
  }
}

/**
 * INVALID_ARGUMENT naming the field and the rule it broke, e.g. `email: must be an email address`,
 * with the same pair as a BadRequest field violation. `reason` defaults to INVALID_FIELD.
 */
export function invalidArgument(
  field: string,
  rule: string,
  reason = "INVALID_FIELD",
  metadata?: Readonly<Record<string, string>>,
): RpcError {
  return new RpcError(Status.INVALID_ARGUMENT, `${field}: ${rule}`, {
    details: {
      reason,
      fieldViolations: [{ field, description: rule }],
      ...(metadata && { metadata }),
    },
  });
}

/**
 * NOT_FOUND naming what was looked for, e.g. `user 3f… not found`, with a ResourceInfo of it
 * and `reason` (e.g. USER_NOT_FOUND) whose metadata names the resource.
 */
export function notFound(what: string, reason: string, resource: ResourceRef): RpcError {
  return new RpcError(Status.NOT_FOUND, `${what} not found`, {
    details: { reason, resource, metadata: { ...resource } },
  });
}

/** ALREADY_EXISTS with the message and the details (the reason: which conflict). */
export function alreadyExists(message: string, details: ErrorDetails): RpcError {
  return new RpcError(Status.ALREADY_EXISTS, message, { details });
}

/** FAILED_PRECONDITION: the request is valid but the system's state refuses it. */
export function failedPrecondition(message: string, details: ErrorDetails): RpcError {
  return new RpcError(Status.FAILED_PRECONDITION, message, { details });
}

/** UNAVAILABLE: a dependency can't be reached; the caller may retry later. */
export function unavailable(message: string, cause?: unknown, details?: ErrorDetails): RpcError {
  return new RpcError(Status.UNAVAILABLE, message, { cause, details });
}
