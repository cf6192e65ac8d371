import { invalidArgument } from "./rpc-error.js";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The value, lower-cased, if it is a UUID; INVALID_ARGUMENT naming `field` otherwise. */
export function requireUuid(field: string, value: string): string {
  if (value === "") throw invalidArgument(field, "is required");
  if (!uuidPattern.test(value)) throw invalidArgument(field, "must be a UUID");
  return value.toLowerCase();
}

/** The value, trimmed, if it has 1 to `maxLength` characters; INVALID_ARGUMENT otherwise. */
export function requireText(field: string, value: string, maxLength: number): string {
  const trimmed = value.trim();
  if (trimmed === "") throw invalidArgument(field, "is required and must not be blank");
  if ([...trimmed].length > maxLength) {
    throw invalidArgument(field, `must be at most ${maxLength} characters`);
  }
  return trimmed;
}

/** A whole number within [min, max]; INVALID_ARGUMENT naming `field` otherwise. */
export function requireRange(field: string, value: number, min: number, max: number): number {
  if (value < min || value > max) throw invalidArgument(field, `must be from ${min} to ${max}`);
  return value;
}
