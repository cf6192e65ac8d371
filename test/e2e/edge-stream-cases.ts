import { randomUUID } from "node:crypto";
import { type Client, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { expect } from "vitest";
import type { DevIssuer } from "../../services/edge/auth/index.js";
import { OrderService } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../../services/gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../../services/gen/shopmesh/user/v1/user_service_pb.js";
import { type WireDetails, wireDetails } from "../support/error-details.js";

// Unary gRPC and Connect calls are served by the kit's own paths (gRPC on Node's HTTP/2 streams);
// KIT_UNARY_PATHS=false sends them through connect-node as before. One table of calls, run
// against an edge of each kind on one mesh: every status, message, detail and header must be the
// same, and what the other edge tests expect (edge-security.test.ts runs it).

/** Per signed-in user: 30 calls at once, then one a second (the rate limit case spends them). */
export const streamCaseLimits = { RATE_LIMIT_USER_PER_SECOND: "1", RATE_LIMIT_USER_BURST: "30" };

/** What the cases need from the mesh: users with an order each, a product, tokens. */
export interface StreamCaseWorld {
  readonly issuer: DevIssuer;
  readonly alice: string;
  readonly greedy: string;
  readonly productId: string;
  readonly alicesOrder: string;
  readonly bobsOrder: string;
  readonly bobsId: string;
}

/** What a caller sees of one call: status, message, details, response and readable headers. */
export interface Outcome {
  readonly code: string;
  readonly message: string;
  readonly response?: unknown;
  readonly details: WireDetails | undefined;
  readonly headers: Record<string, string>;
}

/** The public services at one edge, over gRPC, sending `authorization` when given. */
export interface Door {
  readonly products: Client<typeof ProductService>;
  readonly orders: Client<typeof OrderService>;
  readonly users: Client<typeof UserService>;
}

let lastHeaders: Record<string, string> = {};

/**
 * Clients of the edge at `address` that record what each response's headers said: gRPC, or
 * with `connectJson` Connect's JSON over HTTP/1.1 (what curl and browsers send).
 */
export function doorAt(address: string, authorization?: string, connectJson = false): Door {
  const seen: Interceptor = (next) => async (request) => {
    if (authorization !== undefined) request.header.set("authorization", authorization);
    const response = await next(request);
    if (!response.stream) lastHeaders = headerMap(response.header, response.trailer);
    return response;
  };
  const baseUrl = `http://${address}`;
  const transport = connectJson
    ? createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [seen] })
    : createGrpcTransport({ baseUrl, interceptors: [seen] });
  return {
    products: createClient(ProductService, transport),
    orders: createClient(OrderService, transport),
    users: createClient(UserService, transport),
  };
}

// Values that differ by call (trace ids, dates, encoded statuses) are compared as present.
const perCall = new Set([
  "trace-id",
  "date",
  "grpc-message",
  "grpc-status-details-bin",
  "content-length",
]);

function headerMap(...sets: Headers[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const headers of sets) {
    headers.forEach((value, key) => {
      map[key] = perCall.has(key) ? "(present)" : value;
    });
  }
  return map;
}

/** The outcome of `call`, its per-call values (the ms left in a rate limit) made comparable. */
export async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  lastHeaders = {};
  try {
    const response = await call();
    return { code: "OK", message: "", response, details: undefined, headers: lastHeaders };
  } catch (thrown) {
    if (!(thrown instanceof ConnectError)) throw thrown;
    return {
      code: String(thrown.code),
      message: thrown.rawMessage.replace(/retry in \d+ ms/, "retry in N ms"),
      details: { ...wireDetails(thrown), retryDelayMs: undefined },
      headers: headerMap(thrown.metadata),
    };
  }
}

/** One case: a name, the call made through a door, the `code message` and more expected. */
export type StreamCase = [
  name: string,
  call: (door: (authorization?: string) => Door) => Promise<unknown>,
  expected: RegExp,
  alsoExpected?: Partial<Outcome>,
];

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const bearer = (token: string) => `Bearer ${token}`;

/** The table: the door's policy and the services' answers, as gRPC callers meet them. */
export function streamCases(world: StreamCaseWorld): StreamCase[] {
  // Read when called: the world is filled in by a beforeAll, after the table is made.
  const alice = (door: (authorization?: string) => Door) => door(bearer(world.alice));
  const reason = (name: string) => ({ details: expect.objectContaining({ reason: name }) });
  return [
    ["an anonymous read", (door) => door().products.getProduct({ id: world.productId }), /^OK$/],
    [
      "a read of my own order",
      (door) => alice(door).orders.getOrder({ id: world.alicesOrder }),
      /^OK$/,
    ],
    [
      "a read of another user's order",
      (door) => alice(door).orders.getOrder({ id: world.bobsOrder }),
      /^5 order \S+ not found$/,
      reason("ORDER_NOT_FOUND"),
    ],
    [
      "a cancel of another user's order",
      (door) => alice(door).orders.cancelOrder({ id: world.bobsOrder }),
      /^5 order \S+ not found$/,
    ],
    [
      "an order for another user",
      (door) =>
        alice(door).orders.createOrder({
          requestId: randomUUID(),
          userId: world.bobsId,
          items: [{ productId: world.productId, quantity: 1 }],
        }),
      /^7 user_id: you may only order for yourself$/,
    ],
    [
      "a list of another user's orders",
      (door) => alice(door).orders.listOrders({ userId: world.bobsId }),
      /^7 user_id: you may only list your own orders$/,
    ],
    [
      "an admin method without the role",
      (door) => alice(door).users.listUsers({}),
      /^7 ListUsers is for admins only$/,
      reason("ADMIN_ONLY"),
    ],
    [
      "an anonymous call of a signed-in method",
      (door) => door().orders.listOrders({}),
      /^16 ListOrders needs a signed-in user: send authorization: Bearer <token>$/,
    ],
    [
      "an expired token",
      async (door) =>
        door(bearer(await world.issuer.issue("idp|alice", {}, -120))).orders.listOrders({}),
      /^16 token refused: expired$/,
    ],
    [
      "a token with alg: none",
      (door) => {
        const exp = Math.floor(Date.now() / 1000) + 60;
        const claims = {
          iss: world.issuer.issuer,
          aud: world.issuer.audience,
          sub: "idp|alice",
          exp,
        };
        const token = `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`;
        return door(bearer(token)).orders.listOrders({});
      },
      /^16 token refused: (algorithm not allowed|not a valid signed JWT)$/,
    ],
    [
      "a token for another audience",
      async (door) =>
        door(bearer(await world.issuer.issue("idp|alice", { aud: "else" }))).orders.listOrders({}),
      /^16 token refused: claim aud has the wrong value$/,
    ],
    [
      "an authorization that is no bearer token",
      (door) => door("Basic YWxpY2U6c2VjcmV0").orders.listOrders({}),
      /^16 authorization: must be Bearer <token>$/,
    ],
    [
      "a field breaking its rule",
      (door) => door().products.getProduct({ id: "nope" }),
      /^3 id: must be a UUID$/,
      {
        details: expect.objectContaining({
          reason: "INVALID_FIELD",
          fieldViolations: [{ field: "id", description: "must be a UUID" }],
        }),
      },
    ],
    [
      "a body over the limit",
      (door) => door().products.getProduct({ id: "x".repeat(70 * 1024) }),
      /^8 message size (\d+ )?is larger than configured readMaxBytes 65536$/,
    ],
    [
      "a signed-in user over the rate limit",
      async (door) => {
        // The burst is spent after 30 calls; one refills per second, so go on until refused.
        const greedy = door(bearer(world.greedy)).products;
        for (let call = 0; call < 100; call++) await greedy.getProduct({ id: world.productId });
      },
      /^8 rate limit of 1 calls per second per user exceeded; retry in N ms$/,
      { ...reason("RATE_LIMITED"), headers: expect.objectContaining({ "retry-after": "1" }) },
    ],
  ];
}

/** What grpc-js (another gRPC runtime) gets for `bytes` that are no GetProductRequest. */
export async function rawGetProduct(address: string, bytes: Buffer): Promise<grpc.ServiceError> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const same = (message: Buffer) => message;
  try {
    return await new Promise((resolve, reject) =>
      client.makeUnaryRequest(
        "/shopmesh.product.v1.ProductService/GetProduct",
        same,
        same,
        bytes,
        (error) => (error ? resolve(error) : reject(new Error("the call succeeded"))),
      ),
    );
  } finally {
    client.close();
  }
}
