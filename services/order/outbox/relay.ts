import type { JetStreamClient } from "@nats-io/jetstream";
import { type Logger, type PeriodicTask, startPeriodicTask } from "../../kit/index.js";
import { type BrokerLink, type CrashPoints, publishEvent } from "../../kit/messaging/index.js";
import { encodeEvent, subjectOf } from "./order-event-encoding.js";
import type { OutboxMetrics } from "./outbox-metrics.js";
import type { OutboxRow, OutboxStore, PublishResult } from "./outbox-store.js";

/** Options of {@link startRelay}. */
export interface RelayOptions {
  /** Pause between the end of one round and the start of the next while there is work. */
  readonly intervalMs: number;
  /**
   * Pause after a round that found nothing, while `parts.notified` says commits are announced
   * (each insert wakes the relay): the fallback poll. Without announcements: `intervalMs`.
   */
  readonly idlePollMs?: number;
  /** Events taken per transaction. */
  readonly batchSize: number;
  /** Sent events are deleted after this long. */
  readonly retentionMs: number;
}

/** What the relay needs besides its options. */
export interface RelayParts {
  readonly store: OutboxStore;
  readonly link: BrokerLink;
  readonly logger: Logger;
  readonly metrics: OutboxMetrics;
  readonly crash: CrashPoints;
  /** True while every commit that writes outbox rows is announced (LISTEN is in effect). */
  readonly notified?: () => boolean;
}

/**
 * Publishes the outbox to JetStream every interval: batches of unsent events, each marked sent
 * only after the broker acknowledged it (a crash in between republishes it with the same message
 * id, which the broker deduplicates). An order's events go one after another and stop at its
 * first failure, so they arrive in order; different orders go in parallel. While the broker is
 * down nothing is taken: the backlog grows and is measured, and is sent when the broker is back.
 * While commits are announced (`parts.notified`), a round that found nothing is followed by a slow
 * poll only, and `wake()` (on each announcement) brings the next round forward: an idle replica
 * then runs no transaction ten times a second (measured, one idle process with a broker: ~21m of
 * CPU polling every 100 ms, ~4m woken).
 */
export function startRelay(parts: RelayParts, options: RelayOptions): PeriodicTask {
  const { store, link, logger } = parts;
  let lastPrune = 0;
  let idle = false;
  const pause = () =>
    idle && parts.notified?.() ? (options.idlePollMs ?? options.intervalMs) : options.intervalMs;
  return startPeriodicTask(
    async (stopping) => {
      idle = true;
      const js = link.jetstream;
      while (js && !stopping()) {
        const result = await store.publishBatch(options.batchSize, (rows) =>
          publishRows(js, rows, parts),
        );
        if (result.taken > 0) idle = false;
        if (result.failed.length > 0) {
          logger.warn(
            { failed: result.failed.length, error: result.failed[0]?.error },
            "publishing order events failed; they stay in the outbox and are retried",
          );
          break;
        }
        if (result.taken < options.batchSize) break;
      }
      if (Date.now() - lastPrune > 60_000) {
        lastPrune = Date.now();
        const pruned = await store.prune(options.retentionMs, 10_000);
        if (pruned > 0) logger.info({ pruned }, "pruned sent order events past their retention");
      }
    },
    pause,
    (error) => {
      idle = false;
      logger.warn({ err: error }, "outbox relay round failed; retrying next interval");
    },
    options.intervalMs,
  );
}

async function publishRows(
  js: JetStreamClient,
  rows: readonly OutboxRow[],
  { metrics, crash }: RelayParts,
): Promise<PublishResult> {
  const byOrder = new Map<string, OutboxRow[]>();
  for (const row of rows) byOrder.set(row.orderId, [...(byOrder.get(row.orderId) ?? []), row]);
  const sent: bigint[] = [];
  const failed: { seq: bigint; error: string }[] = [];
  await Promise.all(
    [...byOrder.values()].map(async (events) => {
      for (const row of events) {
        let duplicate: boolean;
        try {
          ({ duplicate } = await publishEvent(js, {
            subject: subjectOf(row),
            messageId: row.eventId,
            data: encodeEvent(row),
            trace: row.traceContext,
          }));
        } catch (error) {
          metrics.publishFailures.add(1);
          failed.push({ seq: row.seq, error: (error as Error).message });
          return; // the order's later events wait behind this one
        }
        metrics.published.add(1, { type: row.eventType });
        // The broker already held it: a relay died between an earlier publish and its mark.
        if (duplicate) metrics.republished.add(1, { type: row.eventType });
        // Tests kill the process here: published and acknowledged, not yet marked sent.
        crash.pass("outbox.after-publish");
        sent.push(row.seq);
      }
    }),
  );
  return { sent, failed };
}
