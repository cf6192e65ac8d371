import { fromBinary } from "@bufbuild/protobuf";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
} from "../../services/gen/shopmesh/order/events/v1/order_events_pb.js";

/** One stored order event, decoded. */
export interface StoredOrderEvent {
  readonly seq: number;
  readonly subject: string;
  readonly messageId: string;
  readonly eventId: string;
  readonly orderId: string;
  readonly headers: Record<string, string>;
  /** When the broker stored it. */
  readonly time: Date;
}

/** Reads what a stream holds, in stream order, straight from the broker. */
export async function readStream(url: string, stream: string): Promise<StoredOrderEvent[]> {
  const connection: NatsConnection = await connect({ servers: url });
  try {
    const manager = await jetstreamManager(connection);
    const info = await manager.streams.info(stream);
    const events: StoredOrderEvent[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const message = await manager.streams.getMessage(stream, { seq });
      if (!message) continue;
      const schema = message.subject.endsWith("cancelled")
        ? OrderCancelledSchema
        : OrderConfirmedSchema;
      let eventId = "";
      let orderId = "";
      try {
        const event = fromBinary(schema, message.data);
        eventId = event.eventId;
        orderId = event.order?.id ?? "";
      } catch {
        // not an order event (a poison message a test put there)
      }
      const headers: Record<string, string> = {};
      for (const key of message.header?.keys() ?? []) headers[key] = message.header?.get(key) ?? "";
      events.push({
        seq,
        subject: message.subject,
        messageId: headers["Nats-Msg-Id"] ?? "",
        eventId,
        orderId,
        headers,
        time: message.time,
      });
    }
    return events;
  } finally {
    await connection.close();
  }
}
