import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEdge, type TestEdge } from "../support/test-edge.js";
import {
  doorAt,
  outcome,
  rawGetProduct,
  type StreamCaseWorld,
  streamCaseLimits,
  streamCases,
} from "./edge-stream-cases.js";

// The edge's own unary paths (gRPC on HTTP/2 streams, Connect POSTs) against connect-node's: the
// same calls through both must get the same status, message, details and headers.
let edge: TestEdge;
const tokens = { alice: "", bob: "", admin: "" };
let bobsId = "";
let productId = "";

beforeAll(async () => {
  edge = await startTestEdge("edge_paths");
  tokens.alice = await edge.issuer.issue("idp|alice");
  tokens.bob = await edge.issuer.issue("idp|bob");
  tokens.admin = await edge.issuer.issue("idp|root", { roles: ["admin"] });
  await edge.clients(tokens.alice).users.createUser({ email: "a@x.io", displayName: "Alice" });
  bobsId = (
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
});

const order = (token: string) =>
  edge.clients(token).orders.createOrder({
    requestId: randomUUID(),
    userId: "",
    items: [{ productId, quantity: 1 }],
  });

// Last: it ends by stopping the order service. Two more edges on this mesh, one serving unary
// calls on the kit's own paths (the default) and one through connect-node.
describe("callers get the same answers from the kit's unary paths as through connect-node", () => {
  const doors = { stream: "", connect: "" };
  const world = {} as { -readonly [K in keyof StreamCaseWorld]: StreamCaseWorld[K] };

  beforeAll(async () => {
    doors.stream = await edge.startEdge(streamCaseLimits);
    doors.connect = await edge.startEdge({ ...streamCaseLimits, KIT_UNARY_PATHS: "false" });
    Object.assign(world, {
      issuer: edge.issuer,
      alice: tokens.alice,
      greedy: await edge.issuer.issue("idp|greedy"),
      productId,
      alicesOrder: (await order(tokens.alice)).id,
      bobsOrder: (await order(tokens.bob)).id,
      bobsId,
    });
  }, 60_000);

  it.each(streamCases(world))("%s", async (_name, call, expected, alsoExpected = {}) => {
    const stream = await outcome(() => call((auth) => doorAt(doors.stream, auth)));
    const connect = await outcome(() => call((auth) => doorAt(doors.connect, auth)));
    expect(stream).toEqual(connect);
    expect(`${stream.code} ${stream.message}`.trim()).toMatch(expected);
    expect(stream).toMatchObject(alsoExpected);
  });

  it.each(streamCases(world))("%s, with Connect JSON", async (_name, call, expected) => {
    const kit = await outcome(() => call((auth) => doorAt(doors.stream, auth, true)));
    const connect = await outcome(() => call((auth) => doorAt(doors.connect, auth, true)));
    expect(kit).toEqual(connect);
    expect(`${kit.code} ${kit.message}`.trim()).toMatch(expected);
  });

  it("answers bytes that are no message as the caller's mistake (connect-node: INTERNAL)", async () => {
    const garbage = Buffer.from([0x0a, 0xff]);
    expect(await rawGetProduct(doors.stream, garbage)).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/not a valid message/),
    });
    expect((await rawGetProduct(doors.connect, garbage)).code).toBe(grpc.status.INTERNAL);
  });

  it("relays a dependency that is down the same way", async () => {
    await edge.shop.mesh.stop("order");
    const read = (door: string) => () =>
      doorAt(door, `Bearer ${tokens.alice}`).orders.getOrder({ id: world.alicesOrder });
    const stream = await outcome(read(doors.stream));
    expect(stream).toEqual(await outcome(read(doors.connect)));
    expect(stream).toMatchObject({
      code: "14",
      message: "order service unavailable, retry later",
      details: { reason: "DEPENDENCY_UNAVAILABLE" },
    });
  });
});
