// Digits after the decimal point for currencies that do not use two (ISO 4217 minor units).
const minorDigits: Record<string, number> = {
  BHD: 3,
  CLP: 0,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  UGX: 0,
  VND: 0,
};

/** "12.50" EUR → 1250n. Exact: the decimal string never becomes a float. */
export function parseMinorUnits(amount: string, currencyCode: string): bigint {
  const digits = minorDigits[currencyCode] ?? 2;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  const fraction = match?.[2] ?? "";
  if (!match || fraction.length > digits) {
    throw new Error(
      `--price ${amount}: must be a non-negative amount with at most ${digits} decimals`,
    );
  }
  return BigInt(`${match[1]}${fraction.padEnd(digits, "0")}`);
}
