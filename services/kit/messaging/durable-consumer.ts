import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { nanos, headers as natsHeaders } from "@nats-io/transport-node";
import type { Logger } from "../telemetry/logger.js";
import type { BrokerLink } from "./broker-link.js";
import { consumerMetrics } from "./consumer-metrics.js";
import type { CrashPoints } from "./crash-points.js";
import { inProcessSpan, messagingAttributes, type TraceCarrier } from "./trace-context.js";

/** One message handed to a consumer's handler. */
export interface Delivery {
  readonly subject: string;
  readonly messageId: string;
  readonly data: Uint8Array;
  readonly deliveryCount: number;
}

/** What a handler did with a message, for the counters: applied, or a duplicate it skipped. */
export type Outcome = "applied" | "duplicate";

/** A durable consumer: its name, what it reads, and what it does with each message. */
export interface ConsumerSpec {
  readonly stream: string;
  /** Durable name, shared by every replica of the service: each message is handled once. */
  readonly durable: string;
  readonly filterSubject: string;
  /** Deliveries after which a message that keeps failing permanently is dead-lettered. */
  readonly maxDeliveries: number;
  /** Where a dead message goes, with the error in its headers. */
  readonly deadLetterSubject: string;
  /** First back-off after a failure; doubles per delivery up to 30 s. */
  readonly backoffMs: number;
  /**
   * The broker redelivers a message not acknowledged within this (a replica killed between its
   * commit and its acknowledgement); longer than any handling takes.
   */
  readonly ackWaitMs: number;
  /** Applies the message; resolves once its effect is committed. */
  readonly handle: (delivery: Delivery) => Promise<Outcome>;
  /**
   * True for failures no retry will cure (a message that does not decode); only those are
   * dead-lettered. Anything else (the database away) is retried with back-off for ever.
   */
  readonly permanent: (error: unknown) => boolean;
}

/** A running consumer; stop() ends it after the message in hand. */
export interface RunningConsumer {
  stop(): Promise<void>;
}

const maxBackoffMs = 30_000;

/** Declares the durable pull consumer (idempotent), as each replica does on every connect. */
export async function declareConsumer(
  manager: JetStreamManager,
  spec: ConsumerSpec,
): Promise<void> {
  const config = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    ack_wait: nanos(spec.ackWaitMs),
    // Dead-lettering is ours (with the error attached), so the broker never gives up by itself.
    max_deliver: -1,
    max_ack_pending: 1_000,
  };
  try {
    await manager.consumers.info(spec.stream, spec.durable);
    await manager.consumers.update(spec.stream, spec.durable, config);
  } catch {
    await manager.consumers.add(spec.stream, config);
  }
}

/**
 * Consumes `spec` while the process runs: at-least-once delivery, the handler's commit first,
 * then the acknowledgement (a crash between them is a redelivery the handler recognises by
 * message id). A failure is retried after a back-off (NAK with delay); a permanent failure is
 * published to the dead-letter subject with its error once it reached `maxDeliveries`, and
 * counted. Survives broker restarts: while the link is down it waits.
 */
export function startDurableConsumer(
  link: BrokerLink,
  spec: ConsumerSpec,
  logger: Logger,
  crash: CrashPoints,
): RunningConsumer {
  const metrics = consumerMetrics(spec.durable);
  let stopped = false;
  let messages: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;
  link.onChange(() => wake?.());

  const run = async () => {
    while (!stopped) {
      const js = link.jetstream;
      if (!js) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 1_000).unref();
        });
        continue;
      }
      try {
        const consumer = await js.consumers.get(spec.stream, spec.durable);
        metrics.watch(consumer);
        messages = await consumer.consume({ max_messages: 64 });
        for await (const message of messages) {
          await handleOne(message);
          if (stopped) break;
        }
      } catch (error) {
        if (!stopped) logger.warn({ err: error }, "event consumer interrupted; resuming");
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      }
    }
  };

  const handleOne = async (message: JsMsg) => {
    const { deliveryCount } = message.info;
    if (deliveryCount > 1) metrics.redeliveries.add(1);
    const messageId = message.headers?.get("Nats-Msg-Id") ?? `${message.seq}`;
    const carrier: TraceCarrier = {};
    for (const key of ["traceparent", "tracestate"]) {
      const value = message.headers?.get(key);
      if (value) carrier[key] = value;
    }
    const attributes = {
      ...messagingAttributes("process", message.subject, messageId, message.data.length),
      "messaging.consumer.group.name": spec.durable,
      "shopmesh.messaging.delivery_count": deliveryCount,
    };
    try {
      const outcome = await inProcessSpan(carrier, attributes, () =>
        spec.handle({ subject: message.subject, messageId, data: message.data, deliveryCount }),
      );
      metrics.handled.add(1, { outcome });
      crash.pass("consumer.after-commit");
      message.ack();
    } catch (error) {
      metrics.failures.add(1);
      if (spec.permanent(error) && deliveryCount >= spec.maxDeliveries) {
        await deadLetter(message, messageId, error);
        return;
      }
      const delay = Math.min(maxBackoffMs, spec.backoffMs * 2 ** (deliveryCount - 1));
      logger.warn(
        { err: error, subject: message.subject, message_id: messageId, deliveries: deliveryCount },
        `handling an event failed; redelivered in ${delay} ms`,
      );
      message.nak(delay);
    }
  };

  const deadLetter = async (message: JsMsg, messageId: string, error: unknown) => {
    const js = link.jetstream;
    const reason = error instanceof Error ? error.message : String(error);
    try {
      if (!js) throw new Error("event broker not connected");
      const headers = natsHeaders();
      headers.set("Shopmesh-Error", reason.slice(0, 1_000));
      headers.set("Shopmesh-Original-Subject", message.subject);
      headers.set("Shopmesh-Deliveries", String(message.info.deliveryCount));
      headers.set("Shopmesh-Consumer", spec.durable);
      await js.publish(spec.deadLetterSubject, message.data, {
        msgID: `${messageId}:dead:${spec.durable}`,
        headers,
      });
      // No reason with the TERM: servers before 2.10 (Debian's 2.9) ignore "+TERM reason", and
      // the message would come back every ack wait. The reason is in the dead letter's headers.
      message.term();
      metrics.deadLetters.add(1);
      logger.error(
        { subject: message.subject, message_id: messageId, error: reason },
        `event dead-lettered to ${spec.deadLetterSubject} after ${message.info.deliveryCount} deliveries`,
      );
    } catch (publishError) {
      logger.warn({ err: publishError }, "dead-lettering failed; the message is redelivered");
      message.nak(spec.backoffMs);
    }
  };

  const done = run();
  return {
    stop: async () => {
      stopped = true;
      wake?.();
      await messages?.close();
      metrics.stop();
      await done;
    },
  };
}
