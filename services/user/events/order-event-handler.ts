import { fromBinary } from "@bufbuild/protobuf";
import {
  type OrderCancelled,
  OrderCancelledSchema,
  type OrderConfirmed,
  OrderConfirmedSchema,
} from "../../gen/shopmesh/order/events/v1/order_events_pb.js";
import type { Delivery, Outcome } from "../../kit/messaging/index.js";
import { orderEventSubjectPrefix } from "../../order-event-stream.js";
import type { PurchaseChange, PurchaseStore } from "./purchase-store.js";

/** An event no retry can apply (it does not decode, or lacks what a purchase needs). */
export class UnusableEvent extends Error {
  override readonly name = "UnusableEvent";
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The consumer's handler: decodes an order event and applies it to the purchases. */
export function orderEventHandler(store: PurchaseStore): (delivery: Delivery) => Promise<Outcome> {
  return (delivery) => store.apply(toChange(delivery));
}

/** What an order event changes, or UnusableEvent naming what is wrong with it. */
export function toChange(delivery: Delivery): PurchaseChange {
  const type = delivery.subject.slice(orderEventSubjectPrefix.length);
  const schema =
    type === "order.confirmed"
      ? OrderConfirmedSchema
      : type === "order.cancelled"
        ? OrderCancelledSchema
        : undefined;
  if (!schema) throw new UnusableEvent(`unknown event subject ${delivery.subject}`);
  let event: OrderConfirmed | OrderCancelled;
  try {
    event = fromBinary(schema, delivery.data);
  } catch (error) {
    throw new UnusableEvent(`${type}: not a valid event (${(error as Error).message})`);
  }
  const { order } = event;
  if (!uuid.test(event.eventId)) throw new UnusableEvent(`${type}: event_id is not a UUID`);
  if (!order || !uuid.test(order.id) || !uuid.test(order.userId)) {
    throw new UnusableEvent(`${type}: order.id and order.user_id must be UUIDs`);
  }
  const total = order.total;
  if (!total || !/^[A-Z]{3}$/.test(total.currencyCode) || total.minorUnits < 0n) {
    throw new UnusableEvent(`${type}: order.total must be a non-negative amount in a currency`);
  }
  return {
    eventId: event.eventId,
    subject: delivery.subject,
    orderId: order.id,
    userId: order.userId,
    currency: total.currencyCode,
    totalMinorUnits: total.minorUnits,
    state: type === "order.confirmed" ? "confirmed" : "cancelled",
  };
}
