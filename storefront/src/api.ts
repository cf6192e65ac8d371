import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { OrderService } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../../services/gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../../services/gen/shopmesh/user/v1/user_service_pb.js";

const tokenKey = "shopmesh-token";

/** The signed-in user's token (kept for this tab only), or undefined. */
export const session = {
  get token(): string | undefined {
    return sessionStorage.getItem(tokenKey) ?? undefined;
  },
  set token(value: string | undefined) {
    if (value === undefined) sessionStorage.removeItem(tokenKey);
    else sessionStorage.setItem(tokenKey, value);
  },
};

/** The trace id of the last answer (the edge sends it as `trace-id`), to find it in Jaeger. */
export let lastTraceId = "";

// Sends the token when signed in, and notes each answer's trace id, failed ones included.
const edgeHeaders: Interceptor = (next) => async (request) => {
  const token = session.token;
  if (token) request.header.set("authorization", `Bearer ${token}`);
  try {
    const response = await next(request);
    lastTraceId = response.header.get("trace-id") ?? "";
    return response;
  } catch (error) {
    lastTraceId = error instanceof ConnectError ? (error.metadata.get("trace-id") ?? "") : "";
    throw error;
  }
};

// Connect JSON over HTTP/1.1 to the edge that served this page.
const transport = createConnectTransport({
  baseUrl: location.origin,
  interceptors: [edgeHeaders],
});

/** The public API, through the edge. */
export const api = {
  products: createClient(ProductService, transport),
  users: createClient(UserService, transport),
  orders: createClient(OrderService, transport),
};

/** A failure as the gRPC status reads: `FAILED_PRECONDITION: insufficient stock …`. */
export function statusText(error: unknown): string {
  const failure = ConnectError.from(error);
  const name = Code[failure.code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
  return `${name}: ${failure.rawMessage}`;
}

/** Whether resending the same request may succeed (the edge or a service was briefly away). */
export function isTransient(error: unknown): boolean {
  const { code } = ConnectError.from(error);
  return code === Code.Unavailable || code === Code.DeadlineExceeded || code === Code.Unknown;
}

/** Whether a call failed because the caller has no profile yet (sign-up comes next). */
export function isNotFound(error: unknown): boolean {
  return ConnectError.from(error).code === Code.NotFound;
}

/** Signs in with the development issuer of `make run`; fails where the edge has none. */
export async function devSignIn(email: string): Promise<string> {
  const response = await fetch("/dev-issuer/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: string };
  if (response.status === 404) {
    throw new Error("this edge has no development sign-in: use a token from your provider");
  }
  if (!response.ok || !body.token) throw new Error(body.error ?? `sign-in: ${response.status}`);
  return body.token;
}
