import { type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  PreconditionFailureSchema,
  ResourceInfoSchema,
  RetryInfoSchema,
} from "../../services/gen/google/rpc/error_details_pb.js";

type Find = <Desc extends DescMessage>(schema: Desc) => MessageShape<Desc> | undefined;

/**
 * The google.rpc details of an error as a client in any language reads them: connect's own
 * decoder of `grpc-status-details-bin` (or of the Connect protocol's details) with the generated
 * google.rpc types, independent of the kit's encoder.
 */
export function wireDetails(error: ConnectError) {
  return readDetails((schema) => error.findDetails(schema)[0]);
}

/** The details, as {@link wireDetails} reads them. */
export type WireDetails = ReturnType<typeof wireDetails>;

/** A Connect JSON error body (what curl gets): code, message and base64 details. */
export interface ConnectJsonError {
  readonly code: string;
  readonly message: string;
  readonly details?: readonly { readonly type: string; readonly value: string }[];
}

/** The details of a Connect JSON error body: each `value` is the base64 of the `type` named. */
export function jsonDetails(body: ConnectJsonError): WireDetails {
  return readDetails((schema) => {
    const found = body.details?.find((candidate) => candidate.type === schema.typeName);
    return found && fromBinary(schema, Buffer.from(found.value, "base64"));
  });
}

function readDetails(find: Find) {
  const info = find(ErrorInfoSchema);
  const retryDelay = find(RetryInfoSchema)?.retryDelay;
  const resource = find(ResourceInfoSchema);
  return {
    domain: info?.domain,
    reason: info?.reason,
    metadata: info?.metadata,
    fieldViolations: find(BadRequestSchema)?.fieldViolations.map(({ field, description }) => ({
      field,
      description,
    })),
    preconditionViolations: find(PreconditionFailureSchema)?.violations.map(
      ({ type, subject }) => ({ type, subject }),
    ),
    resource: resource && { type: resource.resourceType, name: resource.resourceName },
    retryDelayMs: retryDelay && durationMs(retryDelay),
  };
}
