import { randomUUID } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports.js";
import { runCliOn, startTestMesh, type TestMesh } from "../support/test-mesh.js";

// The CLI as an operator uses it: answers at once whatever the trace collector does, and
// `shopmesh load` drives shopper journeys for as long as asked, then stops by itself.
let shop: TestMesh;

beforeAll(async () => {
  shop = await startTestMesh("cli_load");
});
afterAll(() => shop.close());

describe("a CLI command's exit", () => {
  // Tracing on, as for a user (the test run switches it off by default).
  const tracingTo = (endpoint: string) => ({
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  });
  // Against the same command with tracing off, measured now: Node's start on a shared 2-core
  // machine varies by seconds (and --help loads none of what a call does). Without the bound
  // the exporter retried ~9 s.
  const startUpMs = async () => (await runCliOn(shop, ["user", "list"])).ms;
  const slackMs = 3_000;
  // The bound above is what is asserted; vitest's own limit only catches a hang. Two CLI
  // processes can take 10 s each on a shared 2-core machine.
  const cliTestTimeoutMs = 90_000;

  it(
    "does not wait for a collector that is not there",
    async () => {
      const boundMs = (await startUpMs()) + slackMs;
      const run = await runCliOn(
        shop,
        ["user", "list"],
        tracingTo(`http://127.0.0.1:${await freePort()}`),
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/^trace_id: [0-9a-f]{32}$/m);
      expect(run.ms).toBeLessThan(boundMs);
    },
    cliTestTimeoutMs,
  );

  it(
    "waits for a collector that accepts but never answers only as long as the kit's bound",
    async () => {
      const boundMs = (await startUpMs()) + slackMs;
      const sockets = new Set<net.Socket>();
      const blackHole = net.createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
      const { port } = blackHole.address() as net.AddressInfo;
      try {
        const run = await runCliOn(shop, ["user", "list"], tracingTo(`http://127.0.0.1:${port}`));
        expect(run.code).toBe(0);
        expect(sockets.size).toBeGreaterThan(0); // it did try to export
        expect(run.ms).toBeLessThan(boundMs);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => blackHole.close(() => resolve()));
      }
    },
    cliTestTimeoutMs,
  );
});

describe("a service's shutdown", () => {
  it("does not wait for a collector that is not there", async () => {
    // The user service again, tracing to a port nothing listens on, with spans to flush.
    await shop.mesh.stop("user");
    await shop.mesh.start("user", {
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
    });
    await shop.clients.users.listUsers({});
    const started = performance.now();
    expect(await shop.mesh.stop("user")).toBe(0);
    // Drain (no calls in flight) and exit; the exporter's retries took ~9 s before the bound.
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(shop.output.join("\n")).not.toContain("telemetry");
    await shop.mesh.start("user");
    // Two restarts of a service: on a busy shared machine that alone can take half a minute.
  }, 90_000);
});

it("shopmesh load runs mixed shopper journeys for the duration, then stops by itself", async () => {
  const run = await runCliOn(shop, [
    ...["load", "--rate", "10", "--duration", "3s", "--shoppers", "2"],
  ]);
  expect(run.code).toBe(0);
  expect(run.stderr).toBe("");
  // A live line per second…
  expect(run.stdout).toMatch(
    /^ +1s {2}journeys \d+\/s {2}calls \d+\/s {2}p50 [\d.]+ ms {2}p99 [\d.]+ ms {2}errors: none$/m,
  );
  // …and the summary: 30 journeys planned (10/s for 3 s), every kind of the default mix run.
  const summary = /load finished after ([\d.]+) s: (\d+) journeys/.exec(run.stdout);
  expect(Number(summary?.[2])).toBe(30);
  expect(Number(summary?.[1])).toBeLessThan(10);
  const kinds: Record<string, { ok: number; failed: number }> = Object.fromEntries(
    [...run.stdout.matchAll(/^ {2}(browse|order|my-orders|cancel) +(\d+) ok +(\d+) failed$/gm)].map(
      ([, kind, ok, failed]) => [kind, { ok: Number(ok), failed: Number(failed) }],
    ),
  );
  expect(Object.keys(kinds).sort()).toEqual(["browse", "cancel", "my-orders", "order"]);
  const total = Object.values(kinds).reduce((sum, { ok, failed }) => sum + ok + failed, 0);
  expect(total).toBe(30);
  expect(Object.values(kinds).every(({ failed }) => failed === 0)).toBe(true);
  expect(run.stdout).toContain("errors by code: none");
  // Its orders are real: placed by its shoppers, each under a fresh request_id.
  const { orders } = await shop.clients.orders.listOrders({ pageSize: 1000 });
  // (A cancel journey places an order of its own only when its shopper has none to cancel.)
  const placed = kinds.order?.ok ?? 0;
  expect(new Set(orders.map((order) => order.requestId)).size).toBe(orders.length);
  expect(orders.length).toBeGreaterThanOrEqual(placed);
}, 60_000);

it.each([
  ["500", "XOF", "500"],
  ["500", "JPY", "500"],
  ["12.50", "EUR", "1250"],
])(
  "product create --price %s --currency %s stores %s minor units",
  async (amount, currency, minor) => {
    const run = await runCliOn(shop, [
      ...["product", "create", "--sku", `M-${randomUUID()}`, "--name", "M"],
      ...["--price", amount, "--currency", currency, "--stock", "1"],
    ]);
    expect(run.code).toBe(0);
    const created = JSON.parse(run.stdout) as { id: string };
    const stored = await shop.clients.products.getProduct({ id: created.id });
    expect(stored.price).toMatchObject({ currencyCode: currency, minorUnits: BigInt(minor) });
  },
);

describe("a refused call", () => {
  const errorLines = (stderr: string) =>
    stderr.split("\n").filter((text) => text !== "" && !text.startsWith("trace_id:"));

  it("prints the reason and every field violation, one per line", async () => {
    const run = await runCliOn(shop, ["user", "create", "--email", "nope", "--name", " "]);
    expect(run.code).toBe(1);
    const email = "must be an email address such as name@example.com";
    const name = "is required and must not be blank";
    expect(errorLines(run.stderr)).toEqual([
      `error: INVALID_ARGUMENT: email: ${email}; display_name: ${name}`,
      "  reason: INVALID_FIELD",
      `  field email: ${email}`,
      `  field display_name: ${name}`,
    ]);
  });

  it("prints the product service's stock shortage, relayed by the order service", async () => {
    const { users, products } = shop.clients;
    const user = await users.createUser({ email: `${randomUUID()}@example.com`, displayName: "C" });
    const price = { currencyCode: "EUR", minorUnits: 100n };
    const sku = `CLI-${randomUUID()}`;
    const product = await products.createProduct({ sku, name: "C", price, stock: 1 });
    const run = await runCliOn(shop, [
      ...["order", "create", "--user", user.id, "--item", `${product.id}:2`],
    ]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([
      `error: FAILED_PRECONDITION: insufficient stock for product ${product.id}: 2 requested, 1 available`,
      `  reason: INSUFFICIENT_STOCK (available=1, product=${product.id}, requested=2)`,
      `  precondition STOCK: products/${product.id}`,
    ]);
  });
});
