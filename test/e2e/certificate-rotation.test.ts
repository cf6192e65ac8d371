import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { PeerCertificate } from "node:tls";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueLeaf } from "../../deploy/local/trust-domain.js";
import { OrderService } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { createServiceClient } from "../../services/kit/index.js";
import { checkServerIdentity } from "../../services/kit/trust/index.js";
import { meshLogsWritten } from "../support/logs.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";

// Certificates renewed again and again while orders flow: nothing fails, and afterwards every
// connection uses the newest certificates. Connections age out after 1 s; files are read every
// 100 ms. The grace lets calls in flight on an aged connection finish: generous, because on a
// loaded machine a CreateOrder can take longer than a second, and one cut off by the end of
// the grace fails (as it would in production with a grace that short).
const ageMs = 1_000;
const graceMs = 5_000;
const refreshMs = 100;
let shop: TestMesh;

beforeAll(async () => {
  shop = await startTestMesh("rotation", {
    env: {
      GRPC_MAX_CONNECTION_AGE_MS: String(ageMs),
      GRPC_MAX_CONNECTION_AGE_GRACE_MS: String(graceMs),
      TRUST_REFRESH_INTERVAL_MS: String(refreshMs),
    },
  });
});
afterAll(() => shop.close());

describe("certificate rotation", () => {
  it("renews every service's certificate 20 times under CreateOrder load, failing no call", async () => {
    const userId = (
      await shop.clients.users.createUser({ email: "r@example.com", displayName: "R" })
    ).id;
    const productId = (
      await shop.clients.products.createProduct({
        sku: "ROT-1",
        name: "Mug",
        price: { currencyCode: "EUR", minorUnits: 100n },
        stock: 1_000_000,
      })
    ).id;

    // The test's own client records the order server's certificate at every handshake.
    const handshakes: { at: number; serial: string }[] = [];
    const expected = shop.trust.identities.order;
    const orders = createServiceClient(OrderService, {
      dependency: "order service",
      target: shop.mesh.addresses.order,
      timeoutMs: 10_000,
      channelOptions: { "grpc.ssl_target_name_override": "order" },
      credentials: grpc.credentials.createSsl(
        readFileSync(shop.trust.caFile),
        readFileSync(shop.trust.keyFile("operator")),
        readFileSync(shop.trust.certFile("operator")),
        {
          checkServerIdentity: (_host: string, certificate: PeerCertificate) => {
            handshakes.push({ at: Date.now(), serial: certificate.serialNumber });
            return checkServerIdentity(certificate, expected);
          },
        },
      ),
    });

    let running = true;
    let placed = 0;
    const failures: unknown[] = [];
    const worker = async () => {
      while (running) {
        await orders
          .createOrder({ requestId: randomUUID(), userId, items: [{ productId, quantity: 1 }] })
          .then(
            () => placed++,
            (error: unknown) => failures.push(error),
          );
      }
    };
    const workers = Array.from({ length: 4 }, worker);

    const latest: Record<string, string> = {};
    for (let round = 0; round < 20; round++) {
      for (const service of ["user", "product", "order"] as const) {
        latest[service] = (await issueLeaf(shop.trust, service, 3600_000)).serial;
      }
      await new Promise((resolve) => setTimeout(resolve, 3 * refreshMs));
    }
    // Every connection is replaced within age + grace + one file refresh.
    await new Promise((resolve) => setTimeout(resolve, ageMs + graceMs + 2 * refreshMs + 500));
    const settledAt = Date.now();
    const linesBefore = shop.output.length;
    await new Promise((resolve) => setTimeout(resolve, 2 * ageMs));
    running = false;
    await Promise.all(workers);
    orders.close();
    await meshLogsWritten(shop, ["user", "product"]);

    expect(failures).toEqual([]);
    expect(placed).toBeGreaterThan(20);
    // The order server presents its newest certificate to every new connection...
    const recent = handshakes.filter((handshake) => handshake.at >= settledAt);
    expect(recent.length).toBeGreaterThan(0);
    expect(new Set(recent.map((handshake) => handshake.serial))).toEqual(new Set([latest.order]));
    // ...and the order service calls user and product with its newest one, on every connection.
    const downstreamCalls = shop.output
      .slice(linesBefore)
      .filter((line) => /^(user|product): .*"msg":"rpc"/.test(line))
      .map((line) => JSON.parse(line.slice(line.indexOf("{"))) as Record<string, string>)
      .filter((line) => line.peer === shop.trust.identities.order);
    expect(downstreamCalls.length).toBeGreaterThan(0);
    expect(new Set(downstreamCalls.map((line) => line.peer_serial))).toEqual(
      new Set([latest.order]),
    );
  }, 120_000);
});
