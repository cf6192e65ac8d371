import type { JetStreamClient } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { inPublishSpan, messagingAttributes, type TraceCarrier } from "./trace-context.js";

/** One event to publish. */
export interface OutgoingEvent {
  readonly subject: string;
  /** The broker deduplicates on it (Nats-Msg-Id) within the stream's duplicate window. */
  readonly messageId: string;
  readonly data: Uint8Array;
  /** The W3C trace context of the change the event reports (stored with it). */
  readonly trace: TraceCarrier;
}

/**
 * Publishes one event and resolves with the broker's acknowledgement (the message is stored),
 * in a PRODUCER span continuing the event's trace; the span's context travels in the headers.
 * Rejects when the broker does not acknowledge within the client's timeout.
 */
export function publishEvent(
  js: JetStreamClient,
  event: OutgoingEvent,
): Promise<{ duplicate: boolean }> {
  const attributes = messagingAttributes("send", event.subject, event.messageId, event.data.length);
  return inPublishSpan(event.trace, attributes, async (carrier) => {
    const headers = natsHeaders();
    for (const [key, value] of Object.entries(carrier)) headers.set(key, value);
    const ack = await js.publish(event.subject, event.data, { msgID: event.messageId, headers });
    return { duplicate: ack.duplicate };
  });
}
