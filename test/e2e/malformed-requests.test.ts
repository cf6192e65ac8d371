import type { DescService } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../../services/gen/grpc/health/v1/health_pb.js";
import { AdminService } from "../../services/gen/shopmesh/admin/v1/admin_service_pb.js";
import { ReservationService } from "../../services/gen/shopmesh/inventory/v1/reservation_service_pb.js";
import { OrderService } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../../services/gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../../services/gen/shopmesh/user/v1/user_service_pb.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";
import type { Dial } from "../support/trust.js";

// Bytes that are not protobuf reach every method of every server, which must answer
// INVALID_ARGUMENT (never INTERNAL, never a crash) and go on serving.
let shop: TestMesh;
beforeAll(async () => {
  shop = await startTestMesh("malformed");
});
afterAll(() => shop.close());

const garbage = [
  Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff]), // field 1, length varint cut short
  Buffer.from([0xff, 0xff, 0xff]), // a tag that never ends
  Buffer.from([0x12, 0x05, 0x61]), // field 2 claims 5 bytes, 1 follows
];
const identity = (bytes: Buffer) => bytes;

function rawCall(dial: Dial, path: string, body: Buffer, streaming: boolean) {
  const client = new grpc.Client(dial.target, dial.credentials, dial.channelOptions);
  const deadline = Date.now() + 5_000;
  return new Promise<grpc.status>((resolve) => {
    if (streaming) {
      const call = client.makeServerStreamRequest(path, identity, identity, body, { deadline });
      call.on("data", () => {});
      call.on("error", (error: grpc.ServiceError) => resolve(error.code));
      call.on("end", () => resolve(grpc.status.OK));
    } else {
      client.makeUnaryRequest(path, identity, identity, body, { deadline }, (error) =>
        resolve(error ? error.code : grpc.status.OK),
      );
    }
  }).finally(() => client.close());
}

const orderOnly = new Set(["ReserveStock", "ReleaseStock", "BatchGetProducts"]);
const edgeOnly = new Set(["GetCurrentUser"]);
const callerOf = (method: string) =>
  orderOnly.has(method) ? "order" : edgeOnly.has(method) ? "edge" : "operator";

const targets: [string, "user" | "product" | "order", DescService][] = [
  ["user", "user", UserService],
  ["product", "product", ProductService],
  ["product reservations", "product", ReservationService],
  ["order", "order", OrderService],
  ["user health", "user", Health],
  ["order health", "order", Health],
  ["order admin", "order", AdminService],
];

describe("malformed request bytes", () => {
  it.each(targets)("get INVALID_ARGUMENT from every %s method", async (_label, server, service) => {
    for (const method of service.methods) {
      const path = `/${service.typeName}/${method.name}`;
      // Each method as a caller its policy lets in: authorization runs before the bytes are read.
      const dial = shop.dial(server, callerOf(method.name));
      for (const body of garbage) {
        const code = await rawCall(dial, path, body, method.methodKind === "server_streaming");
        expect({ path, code: grpc.status[code] }).toEqual({ path, code: "INVALID_ARGUMENT" });
      }
    }
  });

  it("leave every server alive and serving", async () => {
    for (const name of ["user", "product", "order"] as const) {
      expect(shop.mesh.process(name)?.exitCode).toBeNull();
    }
    const users = await shop.clients.users.listUsers({});
    expect(users.users).toEqual([]);
    const orders = await shop.clients.orders.listOrders({});
    expect(orders.orders).toEqual([]);
  });
});
