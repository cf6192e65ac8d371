/** One line of the cart. */
export interface CartLine {
  readonly productId: string;
  readonly name: string;
  quantity: number;
}

/**
 * What the shopper is about to order, and the `request_id` of that order: the same id is resent
 * while the cart is unchanged (a double click or a retry after a dropped answer never orders
 * twice); a changed cart is a new order and gets a new id.
 */
export class Cart {
  readonly lines = new Map<string, CartLine>();
  #requestId: string | undefined;

  /** Adds one unit of a product. */
  add(productId: string, name: string): void {
    const line = this.lines.get(productId);
    if (line) line.quantity += 1;
    else this.lines.set(productId, { productId, name, quantity: 1 });
    this.#requestId = undefined;
  }

  /** Removes a product. */
  remove(productId: string): void {
    this.lines.delete(productId);
    this.#requestId = undefined;
  }

  /** The id of the order this cart becomes; stable until the cart changes or is placed. */
  requestId(): string {
    this.#requestId ??= randomId();
    return this.#requestId;
  }

  /** Forgets the id after a definite refusal: the shopper must change the cart anyway. */
  forgetRequestId(): void {
    this.#requestId = undefined;
  }

  /** Empties the cart once its order was placed. */
  clear(): void {
    this.lines.clear();
    this.#requestId = undefined;
  }
}

// crypto.randomUUID exists in secure contexts only (HTTPS, localhost); the edge may be reached
// over plain HTTP inside a network, where 128 random bits in hex serve as well.
function randomId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
