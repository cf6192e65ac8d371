import type { Product } from "../../services/gen/shopmesh/product/v1/product_service_pb.js";
import {
  api,
  devSignIn,
  isNotFound,
  isTransient,
  lastTraceId,
  session,
  statusText,
} from "./api.js";
import { Cart } from "./cart.js";
import {
  byId,
  renderCart,
  renderOrders,
  renderProducts,
  showMessage,
  statusName,
} from "./render.js";

// The storefront: browse products (anyone), sign in, fill a cart, place the order, see and
// cancel my orders. Every action reports its outcome and the trace id of its last call.
const cart = new Cart();
let products = new Map<string, Product>();
let placing = false;

async function loadProducts(): Promise<void> {
  const { products: list } = await api.products.listProducts({ pageSize: 100 });
  products = new Map(list.map((product) => [product.id, product]));
  renderProducts(list, session.token !== undefined);
  renderCart(cart, products, placing);
}

async function loadOrders(): Promise<void> {
  if (!session.token) return renderOrders([], products);
  // The newest 100, newest first: the order history a shopper expects.
  const { orders } = await api.orders.listOrders({ pageSize: 100, orderBy: "create_time desc" });
  renderOrders(orders, products);
}

/** What an action reports: its text, and the trace of its main call (else of its last call). */
type Outcome = string | { readonly text: string; readonly traceId: string };

/** Runs one action and reports it: what happened, or the gRPC status it failed with. */
async function act(action: () => Promise<Outcome>): Promise<void> {
  try {
    const outcome = await action();
    if (typeof outcome === "string") showMessage("ok", outcome, lastTraceId);
    else showMessage("ok", outcome.text, outcome.traceId);
  } catch (error) {
    const text = error instanceof Error && !("code" in error) ? error.message : statusText(error);
    showMessage("error", text, lastTraceId);
  }
}

/** Shows who is signed in; signs up first when the token's subject has no profile yet. */
async function enter(email = emailClaim(session.token)): Promise<string> {
  let user = await api.users.getCurrentUser({}).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  user ??= await api.users.createUser({ email, displayName: email.split("@")[0] ?? email });
  byId("who").textContent = `${user.displayName} (${user.email})`;
  byId("sign-in").hidden = true;
  byId("signed-in").hidden = false;
  await loadProducts();
  await loadOrders();
  return `Signed in as ${user.email}`;
}

function leave(): void {
  session.token = undefined;
  cart.clear();
  byId("sign-in").hidden = false;
  byId("signed-in").hidden = true;
  void act(async () => {
    await loadProducts();
    await loadOrders();
    return "Signed out";
  });
}

byId("sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  const email = byId<HTMLInputElement>("email").value.trim();
  void act(async () => {
    session.token = await devSignIn(email);
    return enter(email);
  });
});

byId("use-token").addEventListener("click", () => {
  session.token = byId<HTMLInputElement>("token").value.trim();
  void act(() => enter());
});

byId("sign-out").addEventListener("click", leave);

byId("products").addEventListener("click", (event) => {
  const id = (event.target as HTMLElement).closest("button")?.dataset.add;
  const product = id ? products.get(id) : undefined;
  if (!product) return;
  cart.add(product.id, product.name);
  renderCart(cart, products, placing);
  showMessage("ok", `${product.name} added to the cart`, "");
});

byId("cart").addEventListener("click", (event) => {
  const id = (event.target as HTMLElement).closest("button")?.dataset.remove;
  if (!id) return;
  cart.remove(id);
  renderCart(cart, products, placing);
});

byId("place-order").addEventListener("click", () => {
  if (placing) return; // a double click sends one request
  placing = true;
  renderCart(cart, products, placing);
  const items = [...cart.lines.values()].map(({ productId, quantity }) => ({
    productId,
    quantity,
  }));
  void act(async () => {
    try {
      const order = await api.orders.createOrder({ requestId: cart.requestId(), items });
      cart.clear();
      const traceId = lastTraceId;
      await loadProducts();
      await loadOrders();
      return { text: `Order ${order.id.slice(0, 8)} placed: ${statusName(order.status)}`, traceId };
    } catch (error) {
      // Resending the same request_id is safe after a transient failure; anything else needs a
      // changed cart, which is a new order.
      if (!isTransient(error)) cart.forgetRequestId();
      throw error;
    } finally {
      placing = false;
      renderCart(cart, products, placing);
    }
  });
});

byId("orders").addEventListener("click", (event) => {
  const id = (event.target as HTMLElement).closest("button")?.dataset.cancel;
  if (!id) return;
  void act(async () => {
    const order = await api.orders.cancelOrder({ id });
    const traceId = lastTraceId;
    await loadProducts();
    await loadOrders();
    return { text: `Order ${order.id.slice(0, 8)} ${statusName(order.status)}`, traceId };
  });
});

/** The `email` claim of a token (for sign-up with a provider's token); not verified here. */
function emailClaim(token: string | undefined): string {
  try {
    const payload = token?.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const { email } = JSON.parse(json) as { email?: unknown };
    return typeof email === "string" ? email : "";
  } catch {
    return "";
  }
}

// A reload keeps the tab's sign-in.
void act(async () => {
  await loadProducts();
  if (session.token) return enter();
  return "Welcome: sign in to order";
});
