// Rough V8 sizes: enough to bound a cache's memory, not to account for it exactly.
const objectOverhead = 16;
const slot = 8;
const stringOverhead = 16;

/**
 * An estimate of the heap bytes `value` holds (plain objects, arrays, strings, numbers,
 * bigints, booleans, Dates, Uint8Arrays): what a cache entry costs, for a byte bound.
 */
export function approximateBytes(value: unknown): number {
  switch (typeof value) {
    case "string":
      // One byte per Latin-1 character, two otherwise; assume two to stay on the safe side.
      return stringOverhead + 2 * value.length;
    case "number":
    case "boolean":
    case "undefined":
      return slot;
    case "bigint":
      return objectOverhead + slot;
    case "object": {
      if (value === null) return slot;
      if (value instanceof Date) return objectOverhead + 2 * slot;
      if (value instanceof Uint8Array) return objectOverhead + 4 * slot + value.byteLength;
      let total = objectOverhead;
      const values = Array.isArray(value) ? value : Object.values(value);
      for (const item of values) total += slot + approximateBytes(item);
      return total;
    }
    default:
      return slot;
  }
}
