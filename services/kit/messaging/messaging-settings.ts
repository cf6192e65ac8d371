import { integer, list, text } from "../config.js";

/** Parses NATS_URL: one or more comma-separated `nats://host:port` addresses. */
export function natsServers(raw: string): readonly string[] {
  const servers = list(raw);
  for (const server of servers) {
    if (!/^(nats|tls):\/\/[^\s/]+:\d+$/.test(server)) {
      throw new Error(`"${server}" is not nats://host:port (or tls://host:port)`);
    }
  }
  return servers;
}

/**
 * The broker settings of a service that publishes or consumes events. The password may come
 * from a mounted Secret (NATS_PASSWORD_FILE), as the chart does for an external NATS.
 */
export const messagingSettings = {
  natsServers: { env: "NATS_URL", parse: natsServers, default: ["nats://127.0.0.1:4222"] },
  natsUser: { env: "NATS_USER", parse: text, default: "" },
  natsPassword: { env: "NATS_PASSWORD", parse: text, default: "", secret: true, fromFile: true },
  // Replicas of the event streams (1 for one server; 3 for a three-node JetStream cluster).
  natsStreamReplicas: { env: "NATS_STREAM_REPLICAS", parse: integer(1, 5), default: 1 },
} as const;

/** The values of {@link messagingSettings}. */
export interface MessagingConfig {
  readonly natsServers: readonly string[];
  readonly natsUser: string;
  readonly natsPassword: string;
  readonly natsStreamReplicas: number;
}
