import { failedPrecondition, RpcError, Status } from "../kit/index.js";
import { productNotFound } from "./product-errors.js";

/** A quantity of one product, as a reservation asks for it. */
interface RequestedLine {
  readonly productId: string;
  readonly quantity: number;
}

/** A product's stock as the reservation found it. */
interface FoundLine {
  readonly productId: string;
  readonly stock: number;
}

/**
 * Why a reservation that claimed nothing, and was no replay, could not be made: NOT_FOUND for a
 * missing product, else FAILED_PRECONDITION INSUFFICIENT_STOCK with one PreconditionFailure
 * violation per short line (all of them, so a cart can mark each) and the first one's numbers as
 * ErrorInfo metadata.
 */
export function shortage(
  orderId: string,
  lines: readonly RequestedLine[],
  found: readonly FoundLine[],
): RpcError {
  const stockOf = new Map(found.map((line) => [line.productId, line.stock]));
  const missing = lines.find((line) => !stockOf.has(line.productId));
  if (missing) return productNotFound(missing.productId);
  const short = lines.flatMap((line) => {
    const available = stockOf.get(line.productId) ?? 0;
    return available < line.quantity ? [{ ...line, available }] : [];
  });
  const [first] = short;
  if (first) {
    const texts = short.map(
      (line) =>
        `insufficient stock for product ${line.productId}: ${line.quantity} requested, ${line.available} available`,
    );
    return failedPrecondition(texts.join("; "), {
      reason: "INSUFFICIENT_STOCK",
      metadata: {
        product: first.productId,
        requested: String(first.quantity),
        available: String(first.available),
      },
      preconditionViolations: short.map((line, index) => ({
        type: "STOCK",
        subject: `products/${line.productId}`,
        description: texts[index] ?? "",
      })),
    });
  }
  // Every line had enough and the order id was unknown, yet nothing was claimed. Not expected (a
  // conflicting claim is committed before our INSERT gives up, so the replay check finds it);
  // should it happen, it is a conflict the caller may retry, not a shortage.
  return new RpcError(Status.ABORTED, `reservation of order ${orderId} met a concurrent one`, {
    details: { reason: "RESERVATION_CONFLICT", metadata: { order: orderId } },
  });
}
