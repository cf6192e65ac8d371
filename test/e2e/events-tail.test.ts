import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../../services/kit/index.js";
import { BrokerLink, declareStream, publishEvent } from "../../services/kit/messaging/index.js";
import { encodeEvent, type OutboxRow } from "../../services/order/outbox/index.js";
import { orderEventStream } from "../../services/order-event-stream.js";
import { startTestNats, type TestNats } from "../support/nats-server.js";

// `shopmesh events tail` as a process against a real nats-server.
const root = path.resolve(import.meta.dirname, "../..");
let nats: TestNats;
let link: BrokerLink;

beforeAll(async () => {
  nats = await startTestNats();
  link = await new Promise<BrokerLink>((resolve) => {
    const config = {
      natsServers: [nats.url],
      natsUser: "",
      natsPassword: "",
      natsStreamReplicas: 1,
    };
    const created = new BrokerLink(config, "test", createLogger("test", "silent"), (manager) =>
      declareStream(manager, orderEventStream(1)),
    );
    created.onChange((up) => up && resolve(created));
  });
});
afterAll(async () => {
  await link?.close();
  await nats?.close();
});

function row(type: OutboxRow["eventType"], orderId: string): OutboxRow {
  return {
    seq: 0n,
    eventId: randomUUID(),
    orderId,
    eventType: type,
    eventTime: new Date(),
    traceContext: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
    snapshot: {
      id: orderId,
      userId: randomUUID(),
      requestId: "r",
      currency: "EUR",
      totalMinorUnits: "1250",
      createTime: new Date().toISOString(),
      items: [],
    },
  };
}

it("prints each order event as it passes, as one JSON line naming its subject", async () => {
  const tail = spawn(
    process.execPath,
    [
      path.join(root, "dist/services/cli/main.js"),
      "events",
      "tail",
      "--nats",
      nats.url,
      "--count",
      "2",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  tail.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  tail.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => tail.once("exit", resolve));
  await expect.poll(() => stderr, { timeout: 20_000 }).toContain("tailing");
  const orderId = randomUUID();
  const events = [row("order.confirmed", orderId), row("order.cancelled", orderId)];
  const js = link.jetstream;
  if (!js) throw new Error("broker not connected");
  for (const event of events) {
    await publishEvent(js, {
      subject: `order-events.${event.eventType}`,
      messageId: event.eventId,
      data: encodeEvent(event),
      trace: event.traceContext,
    });
  }
  expect(await exited).toBe(0);
  const lines = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(lines.map((line) => [line.subject, line.event.eventId, line.event.order.id])).toEqual(
    events.map((event) => [`order-events.${event.eventType}`, event.eventId, orderId]),
  );
  expect(lines[0].event.order.total).toEqual({ currencyCode: "EUR", minorUnits: "1250" });
});
