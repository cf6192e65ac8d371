import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import { anyPack, anyUnpack, durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  PreconditionFailureSchema,
  ResourceInfoSchema,
  RetryInfoSchema,
} from "../../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";
import { type RpcError, Status } from "../rpc-error.js";
import { type ErrorDetails, errorDomain } from "./error-details.js";

/** The trailer that carries a google.rpc.Status (read by grpc, grpc-web and Connect clients). */
export const statusDetailsKey = "grpc-status-details-bin";

/** One detail message, as connect's ConnectError takes it. */
export interface DetailMessage<Desc extends DescMessage = DescMessage> {
  readonly desc: Desc;
  readonly value: MessageInitShape<Desc>;
}

/**
 * The error's details; an error raised without any still gets an ErrorInfo, its reason the code's
 * name (AIP-193: every error carries one).
 */
export function detailsOf(error: Pick<RpcError, "code" | "details">): ErrorDetails {
  return error.details ?? { reason: Status[error.code] ?? "UNKNOWN" };
}

/** The google.rpc detail messages of `details`: ErrorInfo first, then one per kind present. */
export function detailMessages(details: ErrorDetails): DetailMessage[] {
  const messages: DetailMessage[] = [
    detail(ErrorInfoSchema, {
      reason: details.reason,
      domain: details.domain ?? errorDomain,
      metadata: { ...details.metadata },
    }),
  ];
  if (details.fieldViolations?.length) {
    messages.push(detail(BadRequestSchema, { fieldViolations: [...details.fieldViolations] }));
  }
  if (details.preconditionViolations?.length) {
    messages.push(
      detail(PreconditionFailureSchema, { violations: [...details.preconditionViolations] }),
    );
  }
  if (details.resource) messages.push(detail(ResourceInfoSchema, { ...details.resource }));
  if (details.retryDelayMs !== undefined) {
    messages.push(detail(RetryInfoSchema, { retryDelay: durationFromMs(details.retryDelayMs) }));
  }
  return messages;
}

/** The `grpc-status-details-bin` value of an error: its code, message and details. */
export function statusDetailsBytes(error: Pick<RpcError, "code" | "message" | "details">): Buffer {
  const status = create(StatusSchema, {
    code: error.code,
    message: error.message,
    details: detailMessages(detailsOf(error)).map(({ desc, value }) =>
      anyPack(desc, create(desc, value)),
    ),
  });
  return Buffer.from(toBinary(StatusSchema, status));
}

/**
 * The details a dependency sent in `grpc-status-details-bin`, when it sent an ErrorInfo. Detail
 * types we do not know are dropped; a malformed trailer counts as none.
 */
export function readStatusDetails(bytes: Uint8Array | undefined): ErrorDetails | undefined {
  if (bytes === undefined) return undefined;
  let details: ErrorDetails | undefined;
  try {
    const status = fromBinary(StatusSchema, bytes);
    const unpack = <Desc extends DescMessage>(schema: Desc) =>
      status.details.map((any) => anyUnpack(any, schema)).find((found) => found !== undefined);
    const info = unpack(ErrorInfoSchema);
    if (!info) return undefined;
    const badRequest = unpack(BadRequestSchema);
    const precondition = unpack(PreconditionFailureSchema);
    const resource = unpack(ResourceInfoSchema);
    const retry = unpack(RetryInfoSchema);
    details = {
      reason: info.reason,
      domain: info.domain,
      metadata: info.metadata,
      ...(badRequest && {
        fieldViolations: badRequest.fieldViolations.map(({ field, description }) => ({
          field,
          description,
        })),
      }),
      ...(precondition && {
        preconditionViolations: precondition.violations.map(({ type, subject, description }) => ({
          type,
          subject,
          description,
        })),
      }),
      ...(resource && {
        resource: { resourceType: resource.resourceType, resourceName: resource.resourceName },
      }),
      ...(retry?.retryDelay && { retryDelayMs: durationMs(retry.retryDelay) }),
    };
  } catch {
    return undefined;
  }
  return details;
}

function detail<Desc extends DescMessage>(
  desc: Desc,
  value: MessageInitShape<Desc>,
): DetailMessage {
  return { desc, value } as DetailMessage;
}
