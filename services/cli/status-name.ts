import { Code } from "@connectrpc/connect";

/** Connect's `NotFound` as gRPC spells it, `NOT_FOUND`. */
export function grpcCodeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
