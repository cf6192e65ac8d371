// The shape of the API's rule table (test/e2e/error-cases.ts) and the checks its rows share.
import type { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";
import type { MeshClients } from "../../services/cli/mesh-clients.js";
import { type WireDetails, wireDetails } from "./error-details.js";

/** What the rows need: the clients and the data the test created. */
export interface ErrorCaseContext {
  clients: MeshClients;
  /** The product service dialled as the order service: the only caller its policy lets reserve. */
  internalProducts: MeshClients["products"];
  /** The ReservationService dialled as the order service (its only caller). */
  internalReservations: MeshClients["reservations"];
  userId: string;
  eurProduct: string;
  usdProduct: string;
}

/**
 * Asserts a row's error details as a client decodes them: the domain, the row's reason and
 * details, and for INVALID_ARGUMENT field violations that say what the message says.
 */
export function expectDetails(
  error: ConnectError,
  code: ErrorCase[2],
  message: string,
  expected: Partial<WireDetails>,
): void {
  const details = wireDetails(error);
  expect(details).toMatchObject({ domain: "shopmesh.dev", ...expected });
  if (code === "InvalidArgument") {
    const texts = details.fieldViolations?.map((v) => `${v.field}: ${v.description}`);
    expect(texts?.join("; ")).toBe(message);
  }
}

/**
 * The two products the rows order (`TAKEN` in EUR, `USD-1` in USD, two of each), created with
 * `products` (an operator or admin client).
 */
export async function createCaseProducts(
  products: MeshClients["products"],
): Promise<Pick<ErrorCaseContext, "eurProduct" | "usdProduct">> {
  const price = (currencyCode: string) => ({ currencyCode, minorUnits: 100n });
  const eur = { sku: "TAKEN", name: "A", price: price("EUR"), stock: 2 };
  const usd = { sku: "USD-1", name: "B", price: price("USD"), stock: 2 };
  return {
    eurProduct: (await products.createProduct(eur)).id,
    usdProduct: (await products.createProduct(usd)).id,
  };
}

/** An id no object has. */
export const ghost = "00000000-0000-4000-8000-000000000000";

/**
 * A rule broken on purpose: the call, and the code, message and error details (read when the
 * row runs, as a partial match of {@link WireDetails}) it must get.
 */
export type ErrorCase = [
  name: string,
  call: () => Promise<unknown>,
  code: keyof typeof Code,
  message: RegExp,
  details: () => Partial<WireDetails>,
];

/** INVALID_FIELD violations of exactly these fields, in this order. */
export const fields =
  (...names: string[]) =>
  () => ({
    reason: "INVALID_FIELD",
    fieldViolations: names.map((field) => ({ field }) as { field: string; description: string }),
  });
/** A reason alone. */
export const reason =
  (name: string, more: () => Partial<WireDetails> = () => ({})) =>
  () => ({ reason: name, ...more() });
/** NOT_FOUND of one resource. */
export const missing = (name: string, type: string, id: () => string) =>
  reason(name, () => ({ resource: { type, name: id() } }));
