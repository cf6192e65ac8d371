import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer } from "../../services/cli/mesh-clients.js";
import { ReservationService } from "../../services/gen/shopmesh/inventory/v1/reservation_service_pb.js";
import { ProductService } from "../../services/gen/shopmesh/product/v1/product_service_pb.js";
import { type ConnectJsonError, jsonDetails, wireDetails } from "../support/error-details.js";
import { startTestEdge, type TestEdge } from "../support/test-edge.js";
import { ghost } from "./error-cases.js";

// One edge port, every way in: Connect JSON from a plain HTTP client, Connect binary over HTTP/2,
// gRPC-Web over HTTP/1.1, gRPC over HTTP/2; CORS and the body limit at the door.
let edge: TestEdge;
let productId: string;
let url: string;

beforeAll(async () => {
  edge = await startTestEdge("edge_protocols");
  url = `http://${edge.address}`;
  const admin = await edge.issuer.issue("admin-1", { roles: ["admin"] });
  const product = await edge.clients(admin).products.createProduct({
    sku: "MUG-1",
    name: "Mug",
    price: { currencyCode: "EUR", minorUnits: 1250n },
    stock: 7,
  });
  productId = product.id;
}, 120_000); // a mesh, an edge and their databases; slow on a loaded machine
afterAll(() => edge.close());

describe("the edge speaks", () => {
  it("Connect JSON to a plain HTTP/1.1 POST, as curl sends it", async () => {
    const response = await fetch(`${url}/shopmesh.product.v1.ProductService/ListProducts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { products: { id: string; stock: number }[] };
    expect(body.products).toEqual([expect.objectContaining({ id: productId, stock: 7 })]);
  });

  it("Connect errors as JSON with the code and the message", async () => {
    const response = await fetch(`${url}/shopmesh.product.v1.ProductService/GetProduct`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "nope" }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as ConnectJsonError;
    expect(body).toMatchObject({ code: "invalid_argument", message: "id: must be a UUID" });
    // The user service's details, passed through: what a program branches on, without parsing.
    expect(jsonDetails(body)).toMatchObject({
      domain: "shopmesh.dev",
      reason: "INVALID_FIELD",
      fieldViolations: [{ field: "id", description: "must be a UUID" }],
    });
  });

  it.each([
    [
      "Connect binary over HTTP/2",
      () => createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: true }),
    ],
    ["gRPC-Web over HTTP/1.1", () => createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" })],
    ["gRPC over HTTP/2", () => createGrpcTransport({ baseUrl: url })],
  ])("%s", async (_name, transport) => {
    const client = createClient(ProductService, transport());
    expect(await client.getProduct({ id: productId })).toMatchObject({ sku: "MUG-1", stock: 7 });
    await expect(client.getProduct({ id: ghost })).rejects.toMatchObject({ code: Code.NotFound });
  });
});

describe("the edge hides and limits", () => {
  it("does not expose ReserveStock, ReleaseStock or BatchGetProducts, even to admins", async () => {
    const admin = await edge.issuer.issue("admin-1", { roles: ["admin"] });
    const client = createClient(
      ProductService,
      createGrpcTransport({ baseUrl: url, interceptors: [bearer(admin)] }),
    );
    for (const call of [
      () => client.reserveStock({ orderId: productId, items: [{ productId, quantity: 1 }] }),
      () => client.releaseStock({ orderId: productId }),
      () => client.batchGetProducts({ ids: [productId] }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: Code.Unimplemented });
    }
    expect((await edge.clients().products.getProduct({ id: productId })).stock).toBe(7);
  });

  it("does not expose the internal ReservationService, even to admins", async () => {
    const admin = await edge.issuer.issue("admin-1", { roles: ["admin"] });
    const client = createClient(
      ReservationService,
      createGrpcTransport({ baseUrl: url, interceptors: [bearer(admin)] }),
    );
    await expect(
      client.reserveStock({ orderId: productId, items: [{ productId, quantity: 1 }] }),
    ).rejects.toMatchObject({ code: Code.Unimplemented });
    await expect(client.releaseStock({ orderId: productId })).rejects.toMatchObject({
      code: Code.Unimplemented,
    });
    // Nor through Connect's JSON protocol (what curl speaks).
    const viaConnect = await fetch(`${url}/shopmesh.inventory.v1.ReservationService/ReserveStock`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ orderId: productId, items: [{ productId, quantity: 1 }] }),
    });
    expect(viaConnect.status).toBe(404);
    expect((await edge.clients().products.getProduct({ id: productId })).stock).toBe(7);
  });

  it("answers CORS preflights for allowed origins only", async () => {
    const preflight = (origin: string) =>
      fetch(`${url}/shopmesh.product.v1.ProductService/ListProducts`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,authorization",
        },
      });
    const allowed = await preflight("https://shop.test");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://shop.test");
    expect(allowed.headers.get("access-control-allow-headers")).toMatch(/authorization/);
    const foreign = await preflight("https://evil.test");
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const read = await fetch(`${url}/shopmesh.product.v1.ProductService/ListProducts`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://shop.test" },
      body: "{}",
    });
    expect(read.headers.get("access-control-expose-headers")).toMatch(/trace-id/);
  });

  it("refuses a body over the limit before reading it all", async () => {
    const response = await fetch(`${url}/shopmesh.product.v1.ProductService/GetProduct`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "x".repeat(70 * 1024) }),
    });
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe("resource_exhausted");
    expect(body.message).toMatch(/readMaxBytes|larger than/);
  });

  it("sheds load beyond MAX_IN_FLIGHT like every other server", async () => {
    const busy = await edge.startEdge({
      MAX_IN_FLIGHT: "1",
      FAULT_INJECTION: JSON.stringify([{ method: "ListProducts", delayMs: 3000 }]),
    });
    const client = createClient(
      ProductService,
      createConnectTransport({ baseUrl: `http://${busy}`, httpVersion: "1.1" }),
    );
    const slow = client.listProducts({});
    // In flight for sure once the edge logged the injected delay (logs flush within 200 ms).
    await expect
      .poll(() => edge.output.some((line) => line.includes("fault injected")), { timeout: 5_000 })
      .toBe(true);
    const shed = await client.getProduct({ id: productId }).catch(ConnectError.from);
    expect(shed).toMatchObject({
      code: Code.ResourceExhausted,
      rawMessage: "server busy: 1 calls in flight (limit 1); retry with backoff",
    });
    // Connect's binary details over HTTP/1.1, decoded with the generated google.rpc types.
    expect(wireDetails(shed as ConnectError)).toMatchObject({
      reason: "OVERLOADED",
      metadata: { inFlight: "1", limit: "1" },
      retryDelayMs: 100,
    });
    expect((await slow).products).toHaveLength(1);
  });

  it("rate limits per address with RESOURCE_EXHAUSTED and a retry hint", async () => {
    const limited = await edge.startEdge({
      RATE_LIMIT_ADDRESS_PER_SECOND: "1",
      RATE_LIMIT_ADDRESS_BURST: "2",
    });
    const call = () =>
      fetch(`http://${limited}/shopmesh.product.v1.ProductService/ListProducts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    const body = (await refused.json()) as ConnectJsonError;
    expect(body.message).toMatch(
      /^rate limit of 1 calls per second per address exceeded; retry in \d+ ms$/,
    );
    const details = jsonDetails(body);
    expect(details.reason).toBe("RATE_LIMITED");
    expect(details.retryDelayMs).toBeGreaterThan(0);
    expect(details.retryDelayMs).toBeLessThanOrEqual(1000);
  });
});

it("maps errors to ConnectError on the client", async () => {
  const error = await edge
    .clients()
    .orders.listOrders({})
    .catch((thrown: unknown) => ConnectError.from(thrown));
  expect(error).toMatchObject({ code: Code.Unauthenticated });
});
