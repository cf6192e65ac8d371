import {
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";

/** A durable stream as a service needs it: file storage, limits, deduplication window. */
export interface StreamSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  /** How long the broker keeps a message (consumed or not). */
  readonly maxAgeMs: number;
  /** Within this window a message id seen before is stored once (a republish after a crash). */
  readonly duplicateWindowMs: number;
  readonly replicas: number;
}

/**
 * Declares a stream, or brings an existing one to this configuration. Idempotent, so every
 * replica of every service that uses the stream declares it on each connect.
 */
export async function declareStream(manager: JetStreamManager, spec: StreamSpec): Promise<void> {
  const config: Partial<StreamConfig> & { name: string } = {
    name: spec.name,
    subjects: [...spec.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(spec.maxAgeMs),
    duplicate_window: nanos(spec.duplicateWindowMs),
    num_replicas: spec.replicas,
  };
  try {
    await manager.streams.info(spec.name);
  } catch {
    await manager.streams.add(config);
    return;
  }
  await manager.streams.update(spec.name, config);
}
