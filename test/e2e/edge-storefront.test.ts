import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver.js";
import { repoRoot } from "../support/processes.js";
import { startTestEdge, type TestEdge } from "../support/test-edge.js";

// The storefront in a real browser (Debian's chromium, headless, driven by playwright-core)
// against a real edge and mesh: browse, sign in with the development issuer, order (a double
// click orders once), see the error of an impossible order, cancel; the page and the stored
// state agree. A screenshot is kept in dist/test-artifacts/.
let edge: TestEdge;
let browser: Browser;
let page: Page;
let url = "";
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
const pageErrors: string[] = [];
const ids = { mug: "", tea: "" };

beforeAll(async () => {
  edge = await startTestEdge("edge_storefront");
  // The edge of `make run` signs in through the development issuer's form endpoint.
  // Its spans go to a receiver standing in for Jaeger: the trace id the page shows must be there.
  receiver = await startOtlpReceiver();
  const address = await edge.startEdge({
    DEV_ISSUER_DIR: path.dirname(edge.issuer.jwksFile),
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: "100",
  });
  url = `http://${address}/`;
  const { products } = edge.shop.clients;
  const eur = (minorUnits: bigint) => ({ currencyCode: "EUR", minorUnits });
  ids.mug = (
    await products.createProduct({ sku: "MUG", name: "Mug", price: eur(1250n), stock: 5 })
  ).id;
  ids.tea = (
    await products.createProduct({ sku: "TEA", name: "Tea", price: eur(400n), stock: 1 })
  ).id;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox"], // tests run as root
  });
  page = await browser.newPage();
  page.on("pageerror", (error) => pageErrors.push(String(error)));
}, 120_000);
afterAll(async () => {
  await mkdir(path.join(repoRoot, "dist", "test-artifacts"), { recursive: true });
  await page
    ?.screenshot({ path: path.join(repoRoot, "dist", "test-artifacts", "storefront.png") })
    .catch(() => {});
  await browser?.close();
  await edge?.close();
  await receiver?.close();
});

// The page makes several calls per action, on a machine that may be busy.
const patience = { timeout: 15_000 };
const message = () => page.locator("#message");
const stockShown = (name: string) =>
  page.locator("#products tbody tr", { hasText: name }).locator(".stock");

it("browse, sign in, order once on a double click, see the refusal, cancel", async () => {
  await page.goto(url);
  // Anonymous: products with their stock, nothing to add yet.
  await expect.poll(() => stockShown("Mug").textContent(), patience).toBe("5");
  expect(await page.locator("button[data-add]:not([disabled])").count()).toBe(0);

  await page.fill("#email", "ada@example.com");
  await page.click('#sign-in button[type="submit"]');
  await expect
    .poll(() => message().textContent(), patience)
    .toMatch(/^Signed in as ada@example.com/);
  expect(await page.locator("#who").textContent()).toBe("ada (ada@example.com)");

  await page.click(`button[data-add="${ids.mug}"]`);
  await page.click(`button[data-add="${ids.mug}"]`);
  expect(await page.locator("#cart").textContent()).toContain("2 × Mug");
  expect(await page.locator("#cart-total").textContent()).toContain("25.00");

  await page.dblclick("#place-order");
  await expect.poll(() => message().textContent(), patience).toMatch(/placed: confirmed/);
  expect(await message().getAttribute("class")).toBe("ok");
  const trace = (await message().locator(".trace").textContent())?.replace(/^trace /, "") ?? "";
  expect(trace).toMatch(/^[0-9a-f]{32}$/);
  const spansOf = (traceId: string) =>
    receiver.spans.filter((span: ReceivedSpan) => span.traceId === traceId).map((s) => s.name);
  await expect
    .poll(() => spansOf(trace), patience)
    .toContain("/shopmesh.order.v1.OrderService/CreateOrder");
  await expect.poll(() => stockShown("Mug").textContent(), patience).toBe("3");
  expect(await page.locator("#orders tbody tr").count()).toBe(1);
  expect(await page.locator("#orders tbody tr .status").textContent()).toBe("confirmed");

  // What the mesh stored: one order of two mugs for Ada's profile, the stock reserved.
  const { users, orders, products } = edge.shop.clients;
  const ada = (await users.listUsers({})).users.find((u) => u.email === "ada@example.com");
  expect(ada).toBeDefined();
  const stored = (await orders.listOrders({ userId: ada?.id ?? "" })).orders;
  expect(stored.map((o) => [o.status, o.items.map((i) => [i.productId, i.quantity])])).toEqual([
    [OrderStatus.CONFIRMED, [[ids.mug, 2]]],
  ]);
  expect((await products.getProduct({ id: ids.mug })).stock).toBe(3);

  // More tea than there is: the gRPC status, as the order service words it.
  await page.click(`button[data-add="${ids.tea}"]`);
  await page.click(`button[data-add="${ids.tea}"]`);
  await page.click("#place-order");
  await expect
    .poll(() => message().textContent(), patience)
    .toMatch(
      /^FAILED_PRECONDITION: insufficient stock for product [0-9a-f-]+: 2 requested, 1 available/,
    );
  expect(await message().getAttribute("class")).toBe("error");
  expect(await stockShown("Tea").textContent()).toBe("1");

  // Cancel the mug order: the page and the mesh agree, and the stock is back.
  await page.click(`button[data-cancel="${stored[0]?.id}"]`);
  await expect.poll(() => message().textContent(), patience).toMatch(/cancelled/);
  await expect.poll(() => stockShown("Mug").textContent(), patience).toBe("5");
  expect(await page.locator("#orders tbody tr .status").first().textContent()).toBe("cancelled");
  expect((await orders.getOrder({ id: stored[0]?.id ?? "" })).status).toBe(OrderStatus.CANCELLED);
  expect((await products.getProduct({ id: ids.mug })).stock).toBe(5);
  expect(pageErrors).toEqual([]);
}, 90_000);

it("serves the page with a policy that keeps it to its own origin, and only known files", async () => {
  const response = await fetch(url);
  expect(response.headers.get("content-security-policy")).toContain("connect-src 'self'");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect((await fetch(`${url}../etc/passwd`)).status).toBe(404);
  expect((await fetch(`${url}dist/storefront/app.js`)).status).toBe(404);
});
