import { randomUUID } from "node:crypto";
import { Code, type ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { CircuitBreakerState } from "../../services/gen/shopmesh/admin/v1/admin_service_pb.js";
import { OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { wireDetails } from "../support/error-details.js";
import { meshLogsWritten } from "../support/logs.js";
import {
  callerDeadlineMs,
  downstreamTimeoutMs,
  restartingTestTimeoutMs,
  timed,
  useResilienceMesh,
} from "../support/resilience-mesh.js";

// Failures of the product service rehearsed with real processes: killed, slow, flaky; and an
// overloaded order service. Each scenario takes seconds (shortened breakers and timeouts).
const shop = useResilienceMesh("resilience");

describe("when the product service dies and comes back", () => {
  it(
    "fails orders fast once the breaker opens, writes nothing, and recovers by itself",
    async () => {
      const id = await shop.product();
      await shop.testMesh.mesh.stop("product", "SIGKILL");
      let message = "";
      for (let attempt = 0; attempt < 20 && !message.includes("circuit breaker"); attempt++) {
        const { error } = await timed(shop.order(id));
        expect(error?.code).toBe(Code.Unavailable);
        message = error?.rawMessage ?? "";
      }
      expect(message).toBe(
        "product service unavailable: circuit breaker for BatchGetProducts is open, failing fast",
      );
      const { error, ms } = await timed(shop.order(id));
      expect(error?.code).toBe(Code.Unavailable);
      expect(ms).toBeLessThan(callerDeadlineMs / 5);
      // A client in any language backs off until the probe (the reset timeout is 1 s here).
      const details = wireDetails(error as ConnectError);
      expect(details).toMatchObject({
        reason: "BREAKER_OPEN",
        metadata: { dependency: "product service", method: "BatchGetProducts" },
      });
      expect(details.retryDelayMs).toBeGreaterThan(0);
      expect(details.retryDelayMs).toBeLessThanOrEqual(1000);
      expect(await shop.breakerState("BatchGetProducts")).toBe(CircuitBreakerState.OPEN);
      const { orders } = await shop.testMesh.clients.orders.listOrders({ userId: shop.userId });
      expect(orders).toEqual([]);

      // Back: the breaker half-opens, probes and closes by itself; no restart of the order service.
      await shop.testMesh.mesh.start("product");
      const requestId = randomUUID(); // the same request each time: retrying it is safe
      await expect
        .poll(async () => (await timed(shop.order(id, requestId))).value?.status, {
          timeout: 15_000,
        })
        .toBe(OrderStatus.CONFIRMED);
      expect(await shop.breakerState("BatchGetProducts")).toBe(CircuitBreakerState.CLOSED);
      expect((await shop.testMesh.clients.products.getProduct({ id })).stock).toBe(99);
    },
    restartingTestTimeoutMs,
  );
});

describe("when the product service is slow", () => {
  it(
    "answers within the caller's deadline and gives back any reservation",
    async () => {
      await shop.restartProduct({
        FAULT_INJECTION: JSON.stringify([
          { method: "ReserveStock", delayMs: 3 * downstreamTimeoutMs },
        ]),
      });
      const id = await shop.product(10);
      await shop.waitUntilProductsReachable();
      const { error, ms } = await timed(shop.order(id));
      // The README's table: a dependency that did not answer within the deadline.
      expect(error?.code).toBe(Code.DeadlineExceeded);
      expect(ms).toBeLessThan(callerDeadlineMs);
      await shop.restartProduct();
    },
    restartingTestTimeoutMs,
  );
});

describe("when the product service fails now and then", () => {
  it(
    "retries the reads, and every order goes through",
    async () => {
      await shop.restartProduct({
        FAULT_INJECTION: JSON.stringify([
          { method: "BatchGetProducts", abortPercent: 50, abortCode: "UNAVAILABLE" },
        ]),
      });
      const id = await shop.product(10);
      await shop.waitUntilOrdersFlow();
      const injected = () =>
        shop.testMesh.output.filter((line) => line.includes('"msg":"fault injected"'));
      const retries = () =>
        shop.testMesh.output.filter((line) => line.includes('"msg":"retrying"'));
      // Count from and to points where both processes have written all they logged (the warm-up's
      // faults and retries included), not after a guessed wait.
      await meshLogsWritten(shop.testMesh, ["product", "order"]);
      const [faultsBefore, retriesBefore] = [injected().length, retries().length];
      for (let n = 0; n < 4; n++) expect((await shop.order(id)).status).toBe(OrderStatus.CONFIRMED);
      await meshLogsWritten(shop.testMesh, ["product", "order"]);
      // Every other attempt failed (3 or 4 of them, depending on where the count stood), and each
      // failure was retried.
      const failed = injected().length - faultsBefore;
      expect([3, 4]).toContain(failed);
      expect(retries().length - retriesBefore).toBe(failed);
      expect((await shop.testMesh.clients.products.getProduct({ id })).stock).toBe(6);
      await shop.restartProduct();
    },
    restartingTestTimeoutMs,
  );
});

describe("when a server is overloaded", () => {
  it(
    "sheds calls beyond its in-flight cap with RESOURCE_EXHAUSTED and loses none it accepted",
    async () => {
      await shop.restartProduct({
        FAULT_INJECTION: JSON.stringify([{ method: "ReserveStock", delayMs: 300 }]),
      });
      await shop.testMesh.mesh.stop("order");
      await shop.testMesh.mesh.start("order", { MAX_IN_FLIGHT: "3" });
      const id = await shop.product(50);
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => timed(shop.order(id))));
      const accepted = outcomes.filter((outcome) => outcome.value).length;
      const shed = outcomes.filter((outcome) => outcome.error?.code === Code.ResourceExhausted);
      expect(accepted + shed.length).toBe(12);
      expect(accepted).toBeGreaterThanOrEqual(3);
      expect(shed.length).toBeGreaterThan(0);
      expect(shed[0]?.error?.rawMessage).toMatch(/^server busy: 3 calls in flight \(limit 3\)/);
      expect(wireDetails(shed[0]?.error as ConnectError)).toMatchObject({
        reason: "OVERLOADED",
        metadata: { limit: "3" },
        retryDelayMs: 100,
      });
      expect((await shop.testMesh.clients.products.getProduct({ id })).stock).toBe(50 - accepted);
      await shop.testMesh.mesh.stop("order");
      await shop.testMesh.mesh.start("order");
      await shop.restartProduct();
    },
    restartingTestTimeoutMs,
  );
});
