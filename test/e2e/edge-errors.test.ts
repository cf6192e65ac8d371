import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpcFailure } from "../support/rpc-failure.js";
import { startTestEdge, type TestEdge } from "../support/test-edge.js";
import {
  createCaseProducts,
  type ErrorCaseContext,
  errorCases,
  expectDetails,
} from "./error-cases.js";

// The rule table of the API holds through the edge exactly as directly (an admin, who may act
// for anyone, breaking each rule); what the edge does not expose is UNIMPLEMENTED there.
let edge: TestEdge;
const api = {} as ErrorCaseContext;
const internalOnly = /^(deprecated ProductService\.)?(BatchGetProducts|ReserveStock|ReleaseStock) /;

beforeAll(async () => {
  edge = await startTestEdge("edge_errors");
  const admin = await edge.issuer.issue("idp|admin", { roles: ["admin"] });
  api.clients = edge.clients(admin);
  const { products } = api.clients;
  // The internal product methods, tried through the edge too: it must not expose them.
  api.internalProducts = products;
  api.internalReservations = api.clients.reservations;
  // Signed up by its own user: the admin has no profile, so a taken email is the only conflict.
  const taken = edge.clients(await edge.issuer.issue("idp|taken")).users;
  api.userId = (await taken.createUser({ email: "taken@example.com", displayName: "Taken" })).id;
  Object.assign(api, await createCaseProducts(products));
}, 120_000); // a mesh, an edge and their databases; slow on a loaded machine
afterAll(() => edge.close());

describe("errors through the edge", () => {
  const cases = errorCases(api);
  it.each(cases.filter(([name]) => !internalOnly.test(name)))(
    "%s",
    async (_name, call, code, message, details) => {
      const { code: actual, message: actualMessage, error } = await rpcFailure(call);
      expect(actual).toBe(code);
      expect(actualMessage).toMatch(message);
      // The edge passes the services' details through, as it does their messages.
      expectDetails(error, code, actualMessage, details());
    },
  );

  it.each(cases.filter(([name]) => internalOnly.test(name)))(
    "%s is not exposed",
    async (_name, call) => {
      expect((await rpcFailure(call)).code).toBe("Unimplemented");
    },
  );
});
