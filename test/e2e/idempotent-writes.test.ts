// Issue #19 item 3, over the wire: AdjustStock (idempotent per request_id, never below what
// orders reserved) and CreateUser/CreateProduct with a request_id (a retry returns the first
// result). Real processes, real PostgreSQL, mTLS; details read with the generated google.rpc types.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meshClients } from "../../services/cli/mesh-clients.js";
import { readOperatorIdentity } from "../../services/cli/operator-identity.js";
import { wireDetails } from "../support/error-details.js";
import { runCli } from "../support/processes.js";
import { rpcFailure } from "../support/rpc-failure.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";

let shop: TestMesh;
beforeAll(async () => {
  shop = await startTestMesh("idempotent");
}, 120_000);
afterAll(() => shop.close());

const price = { currencyCode: "EUR", minorUnits: 250n };
const newProduct = async (stock: number) =>
  (await shop.clients.products.createProduct({ sku: randomUUID(), name: "Tea", price, stock })).id;
const stockOf = async (id: string) => (await shop.clients.products.getProduct({ id })).stock;
const adjust = (
  productId: string,
  delta: number,
  requestId: string = randomUUID(),
  reason = "count",
) => shop.clients.products.adjustStock({ productId, delta, reason, requestId });

describe("AdjustStock", () => {
  it("adds and takes stock, recording the stock after each", async () => {
    const id = await newProduct(5);
    const delivery = await adjust(id, 20, "delivery-1", "delivery 1");
    expect(delivery).toMatchObject({
      productId: id,
      delta: 20,
      reason: "delivery 1",
      requestId: "delivery-1",
      stock: 25,
    });
    expect((await adjust(id, -7)).stock).toBe(18);
    await expect.poll(() => stockOf(id)).toBe(18);
  });

  it("applies a replayed request once and returns the first result, also when concurrent", async () => {
    const id = await newProduct(10);
    const requestId = randomUUID();
    const first = await adjust(id, 5, requestId);
    await adjust(id, 1); // another adjustment in between: the replay still answers 15
    const replays = await Promise.all([1, 2, 3].map(() => adjust(id, 5, requestId)));
    for (const replay of replays) expect(replay).toEqual(first);
    const racing = randomUUID();
    const raced = await Promise.all([1, 2, 3, 4].map(() => adjust(id, 2, racing)));
    expect(new Set(raced.map((result) => result.stock))).toEqual(new Set([18]));
    await expect.poll(() => stockOf(id)).toBe(18);
  });

  it("refuses a reused request_id with different content: ALREADY_EXISTS REQUEST_ID_REUSED", async () => {
    const id = await newProduct(10);
    const requestId = randomUUID();
    await adjust(id, 3, requestId);
    for (const reuse of [() => adjust(id, 4, requestId), () => adjust(id, 3, requestId, "other")]) {
      const { code, error } = await rpcFailure(reuse);
      expect(code).toBe("AlreadyExists");
      expect(wireDetails(error)).toMatchObject({
        reason: "REQUEST_ID_REUSED",
        metadata: { requestId },
      });
    }
    await expect.poll(() => stockOf(id)).toBe(13);
  });

  it("never takes stock below what orders reserved: FAILED_PRECONDITION, applied never", async () => {
    const id = await newProduct(5);
    const userId = (
      await shop.clients.users.createUser({ email: `${randomUUID()}@x.io`, displayName: "C" })
    ).id;
    await shop.clients.orders.createOrder({
      requestId: randomUUID(),
      userId,
      items: [{ productId: id, quantity: 3 }],
    });
    const requestId = randomUUID();
    const { code, message, error } = await rpcFailure(() => adjust(id, -3, requestId));
    expect(code).toBe("FailedPrecondition");
    expect(message).toBe(
      `stock of product ${id} cannot change by -3: 2 available, 3 reserved by orders`,
    );
    expect(wireDetails(error)).toMatchObject({
      domain: "shopmesh.dev",
      reason: "STOCK_BELOW_RESERVED",
      metadata: { product: id, delta: "-3", available: "2", reserved: "3" },
      preconditionViolations: [{ type: "STOCK", subject: `products/${id}` }],
    });
    // Nothing was recorded under the refused request_id: once possible, it applies.
    expect((await adjust(id, 3, requestId)).stock).toBe(5);
    expect((await adjust(id, -5)).stock).toBe(0);
    await expect.poll(() => stockOf(id)).toBe(0);
  });

  it("checks its fields, all at once", async () => {
    const { code, error } = await rpcFailure(() =>
      shop.clients.products.adjustStock({ productId: "x", delta: 0, reason: " ", requestId: "" }),
    );
    expect(code).toBe("InvalidArgument");
    expect(wireDetails(error).fieldViolations).toEqual([
      { field: "product_id", description: "must be a UUID" },
      { field: "delta", description: "must not be 0" },
      { field: "reason", description: "is required and must not be blank" },
      { field: "request_id", description: "is required" },
    ]);
    const missing = await rpcFailure(() => adjust(randomUUID(), 1));
    expect(wireDetails(missing.error).reason).toBe("PRODUCT_NOT_FOUND");
  });

  it("answers only the operator: the order service's identity is refused by the policy", async () => {
    const asOrder = {
      ...readOperatorIdentity(shop.trust.dir),
      cert: readFileSync(shop.trust.certFile("order")),
      key: readFileSync(shop.trust.keyFile("order")),
    };
    const { products } = meshClients(shop.mesh.addresses, asOrder);
    const id = await newProduct(1);
    for (const call of [
      () => products.adjustStock({ productId: id, delta: 1, reason: "x", requestId: "r" }),
      () => products.updateProduct({ product: { id, name: "x" } }),
    ]) {
      expect((await rpcFailure(call)).code).toBe("PermissionDenied");
    }
    expect(await stockOf(id)).toBe(1);
  });
});

describe("creates with a request_id", () => {
  it("return the first product to a retry; another product under the key is refused", async () => {
    const requestId = randomUUID();
    const request = { sku: randomUUID(), name: "Pot", price, stock: 3, requestId };
    const first = await shop.clients.products.createProduct(request);
    expect(await shop.clients.products.createProduct(request)).toEqual(first);
    const reuse = await rpcFailure(() =>
      shop.clients.products.createProduct({ ...request, sku: randomUUID() }),
    );
    expect(reuse.code).toBe("AlreadyExists");
    expect(wireDetails(reuse.error)).toMatchObject({ reason: "REQUEST_ID_REUSED" });
    // Without a request_id the same SKU is still taken.
    const taken = await rpcFailure(() =>
      shop.clients.products.createProduct({ ...request, requestId: "" }),
    );
    expect(wireDetails(taken.error)).toMatchObject({ reason: "SKU_TAKEN" });
  });

  it("return the first user to a retry; another user under the key is refused", async () => {
    const requestId = randomUUID();
    const request = { email: `${randomUUID()}@x.io`, displayName: "Ada", requestId };
    const first = await shop.clients.users.createUser(request);
    const retries = await Promise.all([1, 2].map(() => shop.clients.users.createUser(request)));
    for (const retry of retries) expect(retry.id).toBe(first.id);
    const reuse = await rpcFailure(() =>
      shop.clients.users.createUser({ ...request, displayName: "Grace" }),
    );
    expect(wireDetails(reuse.error)).toMatchObject({
      reason: "REQUEST_ID_REUSED",
      metadata: { requestId },
    });
    const taken = await rpcFailure(() =>
      shop.clients.users.createUser({ ...request, requestId: randomUUID() }),
    );
    expect(wireDetails(taken.error)).toMatchObject({ reason: "EMAIL_TAKEN" });
  });
});

describe("the CLI", () => {
  it("adjusts stock once per --request-id and updates a product and a user", async () => {
    const id = await newProduct(4);
    const cli = async (...args: string[]) => {
      const run = await runCli(shop.mesh.addresses, args, { SHOPMESH_TRUST_DIR: shop.trust.dir });
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as Record<string, unknown>;
    };
    const take = ["product", "adjust-stock", id, "--delta=-1", "--reason", "broken"];
    expect(await cli(...take, "--request-id", "k1")).toMatchObject({ stock: 3 });
    expect(await cli(...take, "--request-id", "k1")).toMatchObject({ stock: 3 });
    const renamed = await cli("product", "update", id, "--name", "Green tea");
    expect(renamed).toMatchObject({ name: "Green tea", stock: 3 });
    const user = await shop.clients.users.createUser({ email: "cli@x.io", displayName: "C" });
    expect(
      await cli("user", "update", user.id, "--name", "Cee", "--etag", user.etag),
    ).toMatchObject({ displayName: "Cee" });
  });
});
