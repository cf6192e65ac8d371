import { invalidArgument } from "../rpc-error.js";
import { isCurrency } from "./iso-4217.js";

/**
 * `code` if it is a known ISO 4217 currency; INVALID_ARGUMENT UNKNOWN_CURRENCY naming `field`
 * otherwise. Its form (three capitals) is Money's proto rule, checked before handlers run; which
 * codes exist is the platform's data, which no proto rule can read.
 */
export function requireCurrency(field: string, code: string): string {
  if (!isCurrency(code)) {
    throw invalidArgument(field, `${code} is not an ISO 4217 currency`, "UNKNOWN_CURRENCY", {
      currency: code,
    });
  }
  return code;
}
