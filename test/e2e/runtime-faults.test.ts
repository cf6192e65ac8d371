import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AdminService } from "../../services/gen/shopmesh/admin/v1/admin_service_pb.js";
import { OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { createServiceClient, Status } from "../../services/kit/index.js";
import { meshLogsWritten } from "../support/logs.js";
import { runCliOn, startTestMesh, type TestMesh } from "../support/test-mesh.js";

// Faults switched on a running server through AdminService (here through the CLI, as an
// operator would), taking effect without a restart, and cleared again.
let shop: TestMesh;
let userId: string;
let productId: string;

beforeAll(async () => {
  shop = await startTestMesh("runtime_faults", {
    // The product service allows run-time changes; the user service keeps the default (off).
    serviceEnv: { product: { FAULT_INJECTION_RUNTIME: "true" } },
  });
  userId = (await shop.clients.users.createUser({ email: "f@example.com", displayName: "F" })).id;
  const price = { currencyCode: "EUR", minorUnits: 300n };
  productId = (
    await shop.clients.products.createProduct({ sku: "F-1", name: "F", price, stock: 100 })
  ).id;
});
afterAll(() => shop.close());

const order = () =>
  shop.clients.orders.createOrder(
    { requestId: randomUUID(), userId, items: [{ productId, quantity: 1 }] },
    { timeoutMs: 10_000 },
  );

it("sets faults on a running product service, which fails orders at once, and clears them", async () => {
  const productPid = shop.mesh.process("product")?.pid;
  expect((await order()).status).toBe(OrderStatus.CONFIRMED);

  const set = await runCliOn(shop, [
    ...["faults", "set", "--service", "product", "--method", "ReserveStock"],
    ...["--abort-percent", "100", "--abort-code", "UNAVAILABLE"],
  ]);
  expect(set.code).toBe(0);
  expect(JSON.parse(set.stdout)).toEqual({
    rules: [{ method: "ReserveStock", abortPercent: 100, abortCode: "UNAVAILABLE" }],
  });
  const listed = await shop.clients.admin.product.listFaultRules({});
  expect(listed.rules.map((rule) => [rule.method, rule.abortPercent])).toEqual([
    ["ReserveStock", 100],
  ]);

  const failed = await order().catch((error: unknown) => ConnectError.from(error));
  expect(failed).toBeInstanceOf(ConnectError);
  expect((failed as ConnectError).code).toBe(Code.Unavailable);
  expect((failed as ConnectError).rawMessage).toContain("product service unavailable");
  // The service buffers its log lines: wait until what it logged so far is written.
  await meshLogsWritten(shop, ["product"]);
  expect(shop.output.join("\n")).toMatch(
    /^product: .*"method":"ReserveStock","fault":"abort UNAVAILABLE"/m,
  );
  // Same process: no restart was needed.
  expect(shop.mesh.process("product")?.pid).toBe(productPid);

  const cleared = await runCliOn(shop, ["faults", "clear", "--service", "product"]);
  expect(cleared.code).toBe(0);
  expect(JSON.parse(cleared.stdout).removedRules).toHaveLength(1);
  expect((await shop.clients.admin.product.listFaultRules({})).rules).toEqual([]);
  await expect
    .poll(async () => (await order().catch(() => undefined))?.status, { timeout: 15_000 })
    .toBe(OrderStatus.CONFIRMED);
  expect(shop.mesh.process("product")?.pid).toBe(productPid);

  await meshLogsWritten(shop, ["product"]);
  const logged = shop.output.filter((line) => line.startsWith("product:")).join("\n");
  expect(logged).toMatch(/"level":"warn".*"msg":"fault rules set at run time"/);
  expect(logged).toMatch(/"level":"warn".*"msg":"fault rules cleared at run time"/);
}, 120_000); // two CLI processes, a failing order and its recovery: slow on a shared machine

it("refuses a rule that breaks FAULT_INJECTION's rules, naming the field", async () => {
  const refused = (rules: object[]) =>
    shop.clients.admin.product.setFaultRules({ rules }).then(
      () => undefined,
      (error: unknown) => ConnectError.from(error),
    );
  const tooMuch = await refused([{ method: "*" }, { method: "GetProduct", abortPercent: 150 }]);
  expect(tooMuch?.code).toBe(Code.InvalidArgument);
  expect(tooMuch?.rawMessage).toBe("rules[1].abort_percent: must be from 0 to 100");
  const typo = await refused([{ method: "ReserveStok", delayMs: 10 }]);
  expect(typo?.code).toBe(Code.InvalidArgument);
  expect(typo?.rawMessage).toMatch(/^rules\[0\]\.method: no RPC named ReserveStok on this server/);
  const badCode = await refused([{ method: "*", abortPercent: 5, abortCode: "NOPE" }]);
  expect(badCode?.rawMessage).toBe(
    "rules[0].abort_code: must be a gRPC status name such as UNAVAILABLE",
  );
  // Nothing of a refused request took effect.
  expect((await shop.clients.admin.product.listFaultRules({})).rules).toEqual([]);
});

it("refuses changes on a server started without FAULT_INJECTION_RUNTIME, and says how", async () => {
  const cli = await runCliOn(shop, [
    ...["faults", "set", "--service", "user", "--method", "*", "--abort-percent", "100"],
  ]);
  expect(cli.code).toBe(1);
  expect(cli.stderr).toContain(
    "error: FAILED_PRECONDITION: fault rules cannot be changed at run time on this server: start it with FAULT_INJECTION_RUNTIME=true",
  );
  expect(
    (await shop.clients.users.createUser({ email: "g@example.com", displayName: "G" })).id,
  ).not.toBe("");
  // Reading is always allowed.
  expect((await shop.clients.admin.user.listFaultRules({})).rules).toEqual([]);
});

it("lets only the operator change fault rules: another workload of the mesh is denied", async () => {
  // The order service's own identity: trusted by the product service, but not for AdminService.
  const asOrder = createServiceClient(AdminService, {
    dependency: "product service",
    ...shop.dial("product", "order"),
    timeoutMs: 5_000,
  });
  try {
    const rules = [{ method: "*", abortPercent: 100, abortCode: "UNAVAILABLE" }];
    await expect(asOrder.setFaultRules({ rules })).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
      message: `permission denied: ${shop.trust.identities.order} may not call /shopmesh.admin.v1.AdminService/SetFaultRules (no rule allows it)`,
    });
    await expect(asOrder.clearFaultRules({})).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
    });
  } finally {
    asOrder.close();
  }
  expect((await shop.clients.admin.product.listFaultRules({})).rules).toEqual([]);
});
