import { getOption } from "@bufbuild/protobuf";
import { field as fieldRules } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  FieldBehavior,
  field_behavior as fieldBehavior,
} from "../../services/gen/google/api/field_behavior_pb.js";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../services/gen/grpc/health/v1/health_pb.js";
import { UserService } from "../../services/gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient, RpcError, Status } from "../../services/kit/index.js";
import { reflect } from "../support/reflection-client.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";

let shop: TestMesh;
beforeAll(async () => {
  shop = await startTestMesh("health", {
    serviceEnv: { user: { HEALTH_CHECK_INTERVAL_MS: "200" } },
  });
});
afterAll(() => shop.close());

const healthOf = (server: "user" | "product" | "order") =>
  createServiceClient(Health, { dependency: "health", ...shop.dial(server), timeoutMs: 2_000 });

describe("gRPC health", () => {
  it.each([
    ["user", "shopmesh.user.v1.UserService"],
    ["product", "shopmesh.product.v1.ProductService"],
    ["order", "shopmesh.order.v1.OrderService"],
  ] as const)("%s answers SERVING for the server and for %s", async (name, service) => {
    const health = healthOf(name);
    try {
      expect((await health.check({ service: "" })).status).toBe(ServingStatus.SERVING);
      expect((await health.check({ service })).status).toBe(ServingStatus.SERVING);
      await expect(health.check({ service: "no.such.Service" })).rejects.toMatchObject({
        code: Status.NOT_FOUND,
      });
    } finally {
      health.close();
    }
  });

  it("goes NOT_SERVING while the database is unreachable, and back", async () => {
    const database = new URL(shop.databases.user.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: inject("postgresAdminUrl") });
    await admin.connect();
    const health = healthOf("user");
    const { id } = await shop.clients.users.createUser({
      email: "outage@example.com",
      displayName: "Stored before the outage",
    });
    const waitFor = (status: ServingStatus) =>
      expect
        .poll(async () => ServingStatus[(await health.check({ service: "" })).status], {
          timeout: 10_000,
          interval: 100,
        })
        .toBe(ServingStatus[status]);
    try {
      await admin.query(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS false`);
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
        [database],
      );
      await waitFor(ServingStatus.NOT_SERVING);
      await expect(shop.clients.users.listUsers({})).rejects.toMatchObject({
        rawMessage: "database unavailable, retry later",
      });
      await admin.query(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS true`);
      await waitFor(ServingStatus.SERVING);
      // Serving again means reading the database again: the user stored before is listed.
      const { users } = await shop.clients.users.listUsers({});
      expect(users.map((user) => user.id)).toContain(id);
    } finally {
      await admin.query(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS true`);
      await admin.end();
      health.close();
    }
  });
});

describe("the plaintext health-only port (what the kubelet's probe calls)", () => {
  it.each(["user", "product", "order"] as const)(
    "%s answers health in plaintext and serves nothing else there",
    async (name) => {
      const target = shop.mesh.healthAddresses[name];
      const health = createServiceClient(Health, { dependency: "probe", target, timeoutMs: 2_000 });
      const users = createServiceClient(UserService, {
        dependency: "probe",
        target,
        timeoutMs: 2_000,
      });
      try {
        expect((await health.check({ service: "" })).status).toBe(ServingStatus.SERVING);
        // The server's UNIMPLEMENTED is the cause; the kit's client relays it as INTERNAL.
        await expect(users.listUsers({})).rejects.toMatchObject({
          cause: expect.objectContaining({ code: Status.UNIMPLEMENTED }),
        });
      } finally {
        health.close();
        users.close();
      }
    },
  );

  it("is the only plaintext way in: the service port refuses a client without TLS", async () => {
    const health = createServiceClient(Health, {
      dependency: "plaintext",
      target: shop.mesh.addresses.user,
      timeoutMs: 2_000,
    });
    try {
      await expect(health.check({ service: "" })).rejects.toMatchObject({
        code: Status.UNAVAILABLE,
      });
    } finally {
      health.close();
    }
  });
});

describe("server reflection", () => {
  it.each([
    [
      "user",
      "shopmesh.user.v1.UserService",
      ["CreateUser", "UpdateUser", "GetUser", "ListUsers", "GetCurrentUser"],
    ],
    [
      "order",
      "shopmesh.order.v1.OrderService",
      ["CreateOrder", "GetOrder", "ListOrders", "CancelOrder"],
    ],
    [
      "product",
      "shopmesh.product.v1.ProductService",
      [
        "CreateProduct",
        "UpdateProduct",
        "AdjustStock",
        "GetProduct",
        "ListProducts",
        "BatchGetProducts",
        "ReserveStock",
        "ReleaseStock",
      ],
    ],
    ["product", "shopmesh.inventory.v1.ReservationService", ["ReserveStock", "ReleaseStock"]],
  ] as const)(
    "lets a client discover the %s service with no proto files",
    async (name, service, methods) => {
      const { services, registry } = await reflect(shop.dial(name), service);
      expect(services).toEqual(expect.arrayContaining([service, "grpc.health.v1.Health"]));
      const described = registry.getService(service);
      expect(described?.methods.map((method) => method.name)).toEqual(methods);
      // The descriptors are complete: imported types (Timestamp, Money) resolve too.
      for (const method of described?.methods ?? []) {
        expect(registry.getMessage(method.output.typeName)).toBeDefined();
      }
    },
  );

  it("shows ProductService's stock methods as deprecated, ReservationService's as current", async () => {
    const deprecatedOf = async (service: string) => {
      const { registry } = await reflect(shop.dial("product"), service);
      return Object.fromEntries(
        (registry.getService(service)?.methods ?? []).map((m) => [m.name, m.deprecated]),
      );
    };
    expect(await deprecatedOf("shopmesh.product.v1.ProductService")).toMatchObject({
      GetProduct: false,
      ReserveStock: true,
      ReleaseStock: true,
    });
    expect(await deprecatedOf("shopmesh.inventory.v1.ReservationService")).toEqual({
      ReserveStock: false,
      ReleaseStock: false,
    });
  });
});

describe("the rules in the contract", () => {
  // What a client in any language learns from reflection alone: which fields it must send, which
  // the server sets, and the rules the server enforces (protovalidate reads the same options).
  it("reflection shows each field's behavior and its buf.validate rules", async () => {
    const { registry } = await reflect(shop.dial("order"), "shopmesh.order.v1.OrderService");
    const field = (message: string, name: string) => {
      const found = registry.getMessage(message)?.fields.find((f) => f.name === name);
      if (!found) throw new Error(`${message}.${name} is not in the reflected descriptors`);
      return found;
    };
    const requestId = field("shopmesh.order.v1.CreateOrderRequest", "request_id");
    expect(getOption(requestId, fieldBehavior)).toEqual([FieldBehavior.REQUIRED]);
    expect(getOption(requestId, fieldRules)).toMatchObject({
      required: true,
      type: { case: "string", value: { maxLen: 128n } },
    });
    const quantity = field("shopmesh.order.v1.CreateOrderItem", "quantity");
    expect(getOption(quantity, fieldRules).type).toMatchObject({
      case: "int32",
      value: {
        greaterThan: { case: "gte", value: 1 },
        lessThan: { case: "lte", value: 1_000_000 },
      },
    });
    expect(getOption(field("shopmesh.order.v1.Order", "id"), fieldBehavior)).toEqual([
      FieldBehavior.OUTPUT_ONLY,
    ]);
    expect(getOption(field("shopmesh.order.v1.Order", "user_id"), fieldBehavior)).toEqual([
      FieldBehavior.REQUIRED,
      FieldBehavior.IMMUTABLE,
    ]);
    // Imported types carry theirs too: Money's currency code, reached through Order.total.
    const currency = field("shopmesh.common.v1.Money", "currency_code");
    expect(getOption(currency, fieldRules).type).toMatchObject({
      case: "string",
      value: { pattern: "^[A-Z]{3}$" },
    });
  });
});

describe("RpcError", () => {
  it("is what the kit client throws", async () => {
    const health = createServiceClient(Health, {
      dependency: "health",
      target: "127.0.0.1:1",
      timeoutMs: 2_000,
    });
    try {
      await expect(health.check({ service: "" })).rejects.toBeInstanceOf(RpcError);
    } finally {
      health.close();
    }
  });
});
