import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorTlsOptions, readOperatorIdentity } from "../../services/cli/operator-identity.js";
import { DevIssuer } from "../../services/edge/auth/index.js";
import {
  OrderService,
  OrderStatus,
} from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { endUserMetadata } from "../../services/kit/end-user/index.js";
import { rpcFailure } from "../support/rpc-failure.js";
import { startTestEdge, type TestEdge } from "../support/test-edge.js";

// The security matrix through the edge: who may sign in, and what each signed-in user may see.
let edge: TestEdge;
let foreignFolder: string;
let foreign: DevIssuer;
let productId: string;
const tokens = { alice: "", bob: "", carol: "", admin: "" };
const ids = { alice: "", bob: "" };

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

beforeAll(async () => {
  edge = await startTestEdge("edge_security");
  foreignFolder = await mkdtemp(path.join(os.tmpdir(), "shopmesh-foreign-idp-"));
  foreign = await DevIssuer.open(foreignFolder, { issuer: edge.issuer.issuer, audience: "shop" });
  tokens.alice = await edge.issuer.issue("idp|alice");
  tokens.bob = await edge.issuer.issue("idp|bob");
  tokens.carol = await edge.issuer.issue("idp|carol");
  tokens.admin = await edge.issuer.issue("idp|root", { roles: ["admin"] });
  ids.alice = (
    await edge.clients(tokens.alice).users.createUser({ email: "a@x.io", displayName: "Alice" })
  ).id;
  ids.bob = (
    await edge.clients(tokens.bob).users.createUser({ email: "b@x.io", displayName: "Bob" })
  ).id;
  productId = (
    await edge.clients(tokens.admin).products.createProduct({
      sku: "MUG",
      name: "Mug",
      price: { currencyCode: "EUR", minorUnits: 500n },
      stock: 100,
    })
  ).id;
}, 120_000); // a mesh, an edge and their databases; slow on a loaded machine
afterAll(async () => {
  await edge.close();
  await rm(foreignFolder, { recursive: true, force: true });
});

const order = (token: string, requestId = randomUUID(), userId = "") =>
  edge.clients(token).orders.createOrder({
    requestId,
    userId,
    items: [{ productId, quantity: 1 }],
  });

describe("sign-in", () => {
  it.each<[string, () => Promise<string>, RegExp]>([
    ["no token", async () => "", /^CreateOrder needs a signed-in user/],
    [
      "an expired token",
      () => edge.issuer.issue("idp|alice", {}, -120),
      /^token refused: expired$/,
    ],
    [
      "a tampered token (subject changed, signature kept)",
      async () => {
        const [header, , signature] = tokens.alice.split(".");
        const now = Math.floor(Date.now() / 1000);
        const payload = { iss: edge.issuer.issuer, aud: "shop", sub: "idp|bob", exp: now + 60 };
        return `${header}.${base64url(payload)}.${signature}`;
      },
      /^token refused: signature does not verify$/,
    ],
    [
      "alg: none",
      async () => {
        const now = Math.floor(Date.now() / 1000);
        const payload = { iss: edge.issuer.issuer, aud: "shop", sub: "idp|alice", exp: now + 60 };
        return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(payload)}.`;
      },
      /^token refused: (algorithm not allowed|not a valid signed JWT)$/,
    ],
    [
      "a wrong audience",
      () => edge.issuer.issue("idp|alice", { aud: "someone-else" }),
      /^token refused: claim aud has the wrong value$/,
    ],
    [
      "a wrong issuer",
      () => edge.issuer.issue("idp|alice", { iss: "https://evil.test" }),
      /^token refused: claim iss has the wrong value$/,
    ],
    [
      "a key the provider does not publish",
      () => foreign.issue("idp|alice"),
      /^token refused: signed with a key the provider does not publish$/,
    ],
  ])("refuses %s with UNAUTHENTICATED and the reason", async (_name, token, message) => {
    const result = await rpcFailure(async () => order(await token()));
    expect(result).toMatchObject({
      code: "Unauthenticated",
      message: expect.stringMatching(message),
    });
  });

  it("refuses an authorization header that is not a bearer token", async () => {
    const client = createClient(
      OrderService,
      createGrpcTransport({
        baseUrl: `http://${edge.address}`,
        interceptors: [
          (next) => (request) => {
            request.header.set("authorization", "Basic YWxpY2U6c2VjcmV0");
            return next(request);
          },
        ],
      }),
    );
    expect(await rpcFailure(() => client.listOrders({}))).toMatchObject({
      code: "Unauthenticated",
      message: "authorization: must be Bearer <token>",
    });
  });

  it("lets anonymous callers read products and nothing else", async () => {
    const anonymous = edge.clients();
    expect((await anonymous.products.getProduct({ id: productId })).sku).toBe("MUG");
    expect((await rpcFailure(() => anonymous.users.getCurrentUser({}))).code).toBe(
      "Unauthenticated",
    );
    expect((await rpcFailure(() => anonymous.orders.listOrders({}))).code).toBe("Unauthenticated");
  });
});

describe("profiles", () => {
  it("links one profile to each subject", async () => {
    const alice = edge.clients(tokens.alice).users;
    expect((await alice.getCurrentUser({})).id).toBe(ids.alice);
    expect(
      await rpcFailure(() => alice.createUser({ email: "a2@x.io", displayName: "A" })),
    ).toMatchObject({
      code: "AlreadyExists",
      message: "you already have a profile; GetCurrentUser returns it",
    });
    expect((await rpcFailure(() => alice.getUser({ id: ids.bob }))).code).toBe("NotFound");
    expect((await alice.getUser({ id: ids.alice })).email).toBe("a@x.io");
    // Their own display name only: anyone else's profile is unknown to them.
    const rename = (id: string) =>
      alice.updateUser({
        user: { id, displayName: "Al" },
        updateMask: { paths: ["display_name"] },
      });
    expect((await rpcFailure(() => rename(ids.bob))).code).toBe("NotFound");
    expect((await rename(ids.alice)).displayName).toBe("Al");
  });

  it("scopes a sign-up's request_id to the signed-in user", async () => {
    const dave = edge.clients(await edge.issuer.issue("idp|dave")).users;
    const erin = edge.clients(await edge.issuer.issue("idp|erin")).users;
    const requestId = "sign-up-1";
    const daves = await dave.createUser({ email: "d@x.io", displayName: "Dave", requestId });
    expect((await dave.createUser({ email: "d@x.io", displayName: "Dave", requestId })).id).toBe(
      daves.id,
    );
    const erins = await erin.createUser({ email: "e@x.io", displayName: "Erin", requestId });
    expect(erins.id).not.toBe(daves.id);
  });

  it("asks a user without a profile to sign up before ordering", async () => {
    expect(await rpcFailure(() => order(tokens.carol))).toMatchObject({
      code: "FailedPrecondition",
      message: "no profile for this sign-in yet: sign up (CreateUser) first",
    });
  });
});

describe("orders belong to their user", () => {
  it("takes the order's user from the token, and request_id per user", async () => {
    const requestId = randomUUID();
    const alices = await order(tokens.alice, requestId);
    const bobs = await order(tokens.bob, requestId);
    expect(alices.userId).toBe(ids.alice);
    expect(bobs.userId).toBe(ids.bob);
    expect(bobs.id).not.toBe(alices.id);
    expect((await order(tokens.alice, requestId)).id).toBe(alices.id); // a replay
  });

  it("refuses an order for someone else", async () => {
    expect(await rpcFailure(() => order(tokens.alice, randomUUID(), ids.bob))).toMatchObject({
      code: "PermissionDenied",
      message: "user_id: you may only order for yourself",
    });
  });

  it("hides other users' orders: NOT_FOUND to read or cancel, never listed", async () => {
    const bobs = await order(tokens.bob);
    const alice = edge.clients(tokens.alice).orders;
    const notFound = { code: "NotFound", message: `order ${bobs.id} not found` };
    expect(await rpcFailure(() => alice.getOrder({ id: bobs.id }))).toMatchObject(notFound);
    expect(await rpcFailure(() => alice.cancelOrder({ id: bobs.id }))).toMatchObject(notFound);
    const bobsNow = await edge.clients(tokens.bob).orders.getOrder({ id: bobs.id });
    expect(bobsNow.status).toBe(OrderStatus.CONFIRMED);
    const { orders } = await alice.listOrders({ pageSize: 1000 });
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.every((listed) => listed.userId === ids.alice)).toBe(true);
    expect(await rpcFailure(() => alice.listOrders({ userId: ids.bob }))).toMatchObject({
      code: "PermissionDenied",
      message: "user_id: you may only list your own orders",
    });
  });

  it("lets admins see and cancel every order, list users and create products", async () => {
    const bobs = await order(tokens.bob);
    const admin = edge.clients(tokens.admin);
    const { orders } = await admin.orders.listOrders({ pageSize: 1000 });
    expect(new Set(orders.map((listed) => listed.userId))).toEqual(new Set([ids.alice, ids.bob]));
    expect((await admin.orders.cancelOrder({ id: bobs.id })).status).toBe(OrderStatus.CANCELLED);
    const listed = (await admin.users.listUsers({})).users.map((user) => user.id);
    expect(listed).toEqual(expect.arrayContaining([ids.alice, ids.bob]));
    const alice = edge.clients(tokens.alice);
    expect(await rpcFailure(() => alice.users.listUsers({}))).toMatchObject({
      code: "PermissionDenied",
      message: "ListUsers is for admins only",
    });
    const product = { sku: "X", name: "X", price: { currencyCode: "EUR", minorUnits: 1n } };
    expect((await rpcFailure(() => alice.products.createProduct(product))).code).toBe(
      "PermissionDenied",
    );
    // Stock and catalogue writes: admins only, refused at the edge before any work is done.
    const adjustment = { productId, delta: 5, reason: "delivery", requestId: randomUUID() };
    expect(await rpcFailure(() => alice.products.adjustStock(adjustment))).toMatchObject({
      code: "PermissionDenied",
      message: "AdjustStock is for admins only",
    });
    const rename = { product: { id: productId, name: "Cup" }, updateMask: { paths: ["name"] } };
    expect((await rpcFailure(() => alice.products.updateProduct(rename))).code).toBe(
      "PermissionDenied",
    );
    const stock = (await admin.products.getProduct({ id: productId })).stock;
    expect((await admin.products.adjustStock(adjustment)).stock).toBe(stock + 5);
    expect((await admin.products.adjustStock(adjustment)).stock).toBe(stock + 5); // a retry
    expect((await admin.products.updateProduct(rename)).name).toBe("Cup");
  });
});

describe("internal services", () => {
  it("refuse an end-user identity from any caller but the edge", async () => {
    // The same order service, called with the operator's certificate: a workload of the trust
    // domain, but not the one allowed to act for users.
    const { dir, identities } = edge.shop.trust;
    const outsider = createClient(
      OrderService,
      createGrpcTransport({
        baseUrl: `https://${edge.shop.mesh.addresses.order}`,
        nodeOptions: operatorTlsOptions(readOperatorIdentity(dir), "order"),
        interceptors: [
          (next) => (request) => {
            const claim = endUserMetadata({ subject: "idp|bob", userId: ids.bob, admin: true });
            for (const [key, value] of Object.entries(claim)) request.header.set(key, value);
            return next(request);
          },
        ],
      }),
    );
    expect(await rpcFailure(() => outsider.listOrders({}))).toMatchObject({
      code: "PermissionDenied",
      message: `caller ${identities.operator} may not act for end users (only the edge may)`,
    });
  });
});
