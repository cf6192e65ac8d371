// The file itself, not the kit's money index: that one loads grpc-js (for its errors).
import { minorDigits } from "../kit/money/iso-4217.js";

/**
 * "12.50" EUR → 1250n, "500" XOF → 500n. Exact: the decimal string never becomes a float. The
 * currency's minor digits come from the platform's ISO 4217 data, as on the servers.
 */
export function parseMinorUnits(amount: string, currencyCode: string): bigint {
  const digits = minorDigits(currencyCode);
  if (digits === undefined) {
    throw new Error(`--currency ${currencyCode}: must be an ISO 4217 currency code such as EUR`);
  }
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  const fraction = match?.[2] ?? "";
  if (!match || fraction.length > digits) {
    throw new Error(
      digits === 0
        ? `--price ${amount}: must be a whole non-negative amount (${currencyCode} has no minor unit)`
        : `--price ${amount}: must be a non-negative amount with at most ${digits} decimals`,
    );
  }
  return BigInt(`${match[1]}${fraction.padEnd(digits, "0")}`);
}
