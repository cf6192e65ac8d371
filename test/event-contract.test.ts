import { readFile } from "node:fs/promises";
import path from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { expect, it } from "vitest";
import {
  file_shopmesh_order_events_v1_order_events,
  OrderCancelledSchema,
  OrderConfirmedSchema,
} from "../services/gen/shopmesh/order/events/v1/order_events_pb.js";
import {
  PurchaseSummarySchema,
  UserSchema,
} from "../services/gen/shopmesh/user/v1/user_service_pb.js";

const root = path.resolve(import.meta.dirname, "..");

it("the order events are a package of their own: they import no API package", async () => {
  const imports = file_shopmesh_order_events_v1_order_events.dependencies.map((file) => file.name);
  expect(imports.sort()).toEqual(["google/protobuf/timestamp", "shopmesh/common/v1/money"]);
  const source = await readFile(
    path.join(root, "proto/shopmesh/order/events/v1/order_events.proto"),
    "utf8",
  );
  expect(source).toMatch(/^package shopmesh\.order\.events\.v1;$/m);
});

it("OrderConfirmed and OrderCancelled carry the event id, the time and the order as it was", () => {
  const order = {
    id: "5d3e3f6a-6a8c-4a55-9f53-1d2a3b4c5d6e",
    userId: "0b0c0d0e-1111-4222-8333-444455556666",
    requestId: "order-1",
    lines: [{ productId: "p", quantity: 2, unitPrice: { currencyCode: "EUR", minorUnits: 1250n } }],
    total: { currencyCode: "EUR", minorUnits: 2500n },
    createTime: timestampFromDate(new Date("2026-01-02T03:04:05Z")),
  };
  for (const schema of [OrderConfirmedSchema, OrderCancelledSchema]) {
    const event = create(schema, {
      eventId: "e1",
      eventTime: timestampFromDate(new Date()),
      order,
    });
    const decoded = fromBinary(schema, toBinary(schema, event));
    expect(decoded.eventId).toBe("e1");
    expect(decoded.order?.total?.minorUnits).toBe(2500n);
    expect(decoded.order?.lines[0]?.quantity).toBe(2);
  }
});

it("the purchase summary sits on User at a field number of the events range (40-49)", () => {
  const field = UserSchema.fields.find((f) => f.name === "purchase_summary");
  expect(field?.number).toBeGreaterThanOrEqual(40);
  expect(field?.number).toBeLessThanOrEqual(49);
  expect(PurchaseSummarySchema.fields.map((f) => f.name)).toEqual([
    "confirmed_orders",
    "cancelled_orders",
    "spent",
  ]);
});
