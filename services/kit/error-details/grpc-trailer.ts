import * as grpc from "@grpc/grpc-js";
import type { RpcError } from "../rpc-error.js";
import type { ErrorDetails } from "./error-details.js";
import { readStatusDetails, statusDetailsBytes, statusDetailsKey } from "./status-details.js";

/**
 * The status grpc-js sends for `error`: code, message, and the google.rpc.Status trailer, which
 * grpc-js does not build by itself.
 */
export function grpcStatus(error: RpcError): grpc.StatusObject {
  const metadata = new grpc.Metadata();
  metadata.set(statusDetailsKey, statusDetailsBytes(error));
  return { code: error.code, details: error.message, metadata };
}

/** The details in a received status's trailers (a dependency's error), if it sent any. */
export function receivedDetails(metadata: grpc.Metadata | undefined): ErrorDetails | undefined {
  const [value] = metadata?.get(statusDetailsKey) ?? [];
  return readStatusDetails(typeof value === "string" ? undefined : value);
}
