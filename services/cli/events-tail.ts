import { fromBinary, toJson } from "@bufbuild/protobuf";
import { connect } from "@nats-io/transport-node";
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
} from "../gen/shopmesh/order/events/v1/order_events_pb.js";
import { readConfig } from "../kit/config.js";
import { messagingSettings, natsServers } from "../kit/messaging/index.js";
import { orderEventSubjectPrefix } from "../order-event-stream.js";
import { type CommandLine, UsageError } from "./command-line.js";

/**
 * `shopmesh events tail`: prints each order event as it passes through the broker, one JSON line
 * (subject, the event, its trace id), like lymph's subscribe. Watches only: it takes no message
 * from any consumer. Ends on Ctrl-C, or after --count events.
 */
export async function runEventsTail(line: CommandLine): Promise<number> {
  if (line.word(1) !== "tail") throw new UsageError("events: the action is tail");
  const servers = natsServers(line.options.nats || process.env.NATS_URL || "nats://127.0.0.1:4222");
  const limit = line.options.count ? line.wholeNumber("count", 1, 1_000_000) : undefined;
  // A broker that wants a login (the chart's: user `tail`) gets it the way the services give
  // theirs: NATS_USER, and NATS_PASSWORD or a file named by NATS_PASSWORD_FILE.
  const { natsUser, natsPassword } = readConfig({
    natsUser: messagingSettings.natsUser,
    natsPassword: messagingSettings.natsPassword,
  });
  const connection = await connect({
    servers: [...servers],
    name: "shopmesh-cli-tail",
    ...(natsUser ? { user: natsUser, pass: natsPassword } : {}),
  });
  process.once("SIGINT", () => void connection.close());
  console.error(`tailing ${orderEventSubjectPrefix}> and order-events-dead-letter.> on ${servers}`);
  const subscription = connection.subscribe("order-events.>", limit ? { max: limit } : {});
  const deadLetters = connection.subscribe("order-events-dead-letter.>");
  void (async () => {
    for await (const message of deadLetters) {
      const header = (key: string) => message.headers?.get(key) ?? "";
      console.log(
        JSON.stringify({
          subject: message.subject,
          error: header("Shopmesh-Error"),
          originalSubject: header("Shopmesh-Original-Subject"),
          deliveries: Number(header("Shopmesh-Deliveries")),
        }),
      );
    }
  })();
  for await (const message of subscription) {
    const schema = message.subject.endsWith(".cancelled")
      ? OrderCancelledSchema
      : OrderConfirmedSchema;
    let event: unknown;
    try {
      event = toJson(schema, fromBinary(schema, message.data));
    } catch {
      event = { undecodable: `${message.data.length} bytes` };
    }
    const traceId = message.headers?.get("traceparent").split("-")[1] ?? "";
    console.log(JSON.stringify({ subject: message.subject, event, traceId }));
  }
  await connection.close();
  return 0;
}
