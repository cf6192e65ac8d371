import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
  type OrderSnapshotSchema,
} from "../../gen/shopmesh/order/events/v1/order_events_pb.js";
import { orderEventSubjectPrefix } from "../../order-event-stream.js";
import type { OrderSnapshotRow, OutboxRow } from "./outbox-store.js";

/** The subject an event is published on: one per event type. */
export function subjectOf(row: Pick<OutboxRow, "eventType">): string {
  return `${orderEventSubjectPrefix}${row.eventType}`;
}

/** The event's Protobuf bytes (OrderConfirmed or OrderCancelled), from its outbox row. */
export function encodeEvent(row: OutboxRow): Uint8Array {
  const event = {
    eventId: row.eventId,
    eventTime: timestampFromDate(row.eventTime),
    order: snapshotOf(row.snapshot),
  };
  return row.eventType === "order.confirmed"
    ? toBinary(OrderConfirmedSchema, create(OrderConfirmedSchema, event))
    : toBinary(OrderCancelledSchema, create(OrderCancelledSchema, event));
}

function snapshotOf(order: OrderSnapshotRow): MessageInitShape<typeof OrderSnapshotSchema> {
  return {
    id: order.id,
    userId: order.userId,
    requestId: order.requestId,
    lines: (order.items ?? []).map((item) => ({
      productId: item.productId,
      quantity: item.quantity,
      unitPrice: { currencyCode: order.currency, minorUnits: BigInt(item.unitPriceMinorUnits) },
    })),
    total: { currencyCode: order.currency, minorUnits: BigInt(order.totalMinorUnits) },
    createTime: timestampFromDate(new Date(order.createTime)),
  };
}
