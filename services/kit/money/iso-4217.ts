// Apart from currencies.ts (which makes gRPC errors): the CLI reads this without loading grpc-js.

// The platform's ISO 4217 data (ICU/CLDR, shipped with Node): the same on the CLI and the
// servers, and no hand-written table to fall out of date.
const known: ReadonlySet<string> = new Set(Intl.supportedValuesOf("currency"));

/** Whether `code` is an ISO 4217 currency the platform knows (EUR yes, ABC and euro no). */
export function isCurrency(code: string): boolean {
  return known.has(code);
}

/**
 * Digits after the decimal point of `code`'s minor unit: 2 for EUR, 0 for JPY and XOF, 3 for
 * BHD. Undefined for an unknown currency.
 */
export function minorDigits(code: string): number | undefined {
  if (!isCurrency(code)) return undefined;
  return new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions()
    .maximumFractionDigits;
}
