import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meshClients } from "../../services/cli/mesh-clients.js";
import { readOperatorIdentity } from "../../services/cli/operator-identity.js";
import { wireDetails } from "../support/error-details.js";
import { rpcFailure } from "../support/rpc-failure.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";
import {
  createCaseProducts,
  type ErrorCaseContext,
  errorCases,
  expectDetails,
} from "./error-cases.js";

// Every rule of the API, checked over the wire: the status code and a message naming the field
// and the rule (or the missing thing). Never INTERNAL for a caller's mistake.
let shop: TestMesh;
const api = {} as ErrorCaseContext;

beforeAll(async () => {
  shop = await startTestMesh("errors");
  const { users, products } = shop.clients;
  api.clients = shop.clients;
  // BatchGetProducts and the ReservationService answer only the order service's identity.
  const asOrder = {
    ...readOperatorIdentity(shop.trust.dir),
    cert: readFileSync(shop.trust.certFile("order")),
    key: readFileSync(shop.trust.keyFile("order")),
  };
  const asOrderClients = meshClients(shop.mesh.addresses, asOrder);
  api.internalProducts = asOrderClients.products;
  api.internalReservations = asOrderClients.reservations;
  api.userId = (await users.createUser({ email: "taken@example.com", displayName: "Taken" })).id;
  Object.assign(api, await createCaseProducts(products));
});
afterAll(() => shop.close());

describe("errors", () => {
  it.each(errorCases(api))("%s", async (_name, call, code, message, details) => {
    const { code: actual, message: actualMessage, error } = await rpcFailure(call);
    expect(actual).toBe(code);
    expect(actualMessage).toMatch(message);
    expectDetails(error, code, actualMessage, details());
  });

  it("reports an unreachable dependency as UNAVAILABLE, and recovers when it is back", async () => {
    const order = () =>
      shop.clients.orders.createOrder({
        requestId: randomUUID(),
        userId: api.userId,
        items: [{ productId: api.eurProduct, quantity: 1 }],
      });
    await shop.mesh.stop("product");
    try {
      const { code, message, error } = await rpcFailure(order);
      expect(code).toBe("Unavailable");
      expect(message).toMatch(/^product service unavailable/);
      // Whichever product call met the closed port first; a caller branches on the reason.
      expect(wireDetails(error)).toMatchObject({
        reason: "DEPENDENCY_UNAVAILABLE",
        metadata: { dependency: "product service" },
      });
    } finally {
      await shop.mesh.start("product");
    }
    // The order service reconnects by itself (with a short backoff); no restart needed.
    await expect
      .poll(
        () =>
          order().then(
            (placed) => placed.id,
            () => undefined,
          ),
        { timeout: 10_000 },
      )
      .toBeTruthy();
  });
});
