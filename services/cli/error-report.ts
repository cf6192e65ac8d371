import { durationMs } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  PreconditionFailureSchema,
  RetryInfoSchema,
} from "../gen/google/rpc/error_details_pb.js";
import { grpcCodeName } from "./status-name.js";

/**
 * What a person reads for a failed call: the status and message, then the details a program
 * would branch on (AIP-193): the reason with its metadata, each field violation and unmet
 * precondition on its own line, and how long to wait before retrying.
 */
export function errorReport(error: ConnectError): string[] {
  const lines = [`error: ${grpcCodeName(error.code)}: ${error.rawMessage}`];
  for (const info of error.findDetails(ErrorInfoSchema)) {
    const facts = Object.entries(info.metadata)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${value}`);
    lines.push(`  reason: ${info.reason}${facts.length ? ` (${facts.join(", ")})` : ""}`);
  }
  for (const { fieldViolations } of error.findDetails(BadRequestSchema)) {
    for (const { field, description } of fieldViolations) {
      lines.push(`  field ${field}: ${description}`);
    }
  }
  for (const { violations } of error.findDetails(PreconditionFailureSchema)) {
    for (const { type, subject } of violations) lines.push(`  precondition ${type}: ${subject}`);
  }
  for (const { retryDelay } of error.findDetails(RetryInfoSchema)) {
    if (retryDelay) lines.push(`  retry after: ${durationMs(retryDelay)} ms`);
  }
  return lines;
}

/** Prints a failed command's `error` as a person reads it (never a stack trace); exit code 1. */
export function printFailure(error: unknown): number {
  if (error instanceof ConnectError) {
    for (const line of errorReport(error)) console.error(line);
  } else {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
  return 1;
}
