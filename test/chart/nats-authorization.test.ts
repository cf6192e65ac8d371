// The bundled NATS's logins, as the chart renders them, on a real nats-server: no anonymous
// client; the real order and user services sign in with the chart's users and passwords (as
// files, the way the chart mounts them) and an order's event flows end to end; `events tail`
// watches as `tail`; and each login is refused what it was not given.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestNats, type TestNats } from "../support/nats-server.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";
import { find, render } from "./helm.js";

const root = path.resolve(import.meta.dirname, "../..");
const users = ["order", "user", "tail"] as const;
type BrokerUser = (typeof users)[number];

let nats: TestNats;
let shop: TestMesh;
let secretsDir: string;
const passwords = {} as Record<BrokerUser, string>;

beforeAll(async () => {
  const objects = await render();
  const conf = find(objects, "ConfigMap", "shopmesh-nats").data?.["nats.conf"] ?? "";
  const secret = find(objects, "Secret", "shopmesh-nats-credentials").data ?? {};
  for (const user of users) passwords[user] = Buffer.from(secret[user] ?? "", "base64").toString();
  nats = await startTestNats({
    conf,
    env: {
      POD_NAME: "shopmesh-nats-0",
      NATS_ORDER_PASSWORD: passwords.order,
      NATS_USER_PASSWORD: passwords.user,
      NATS_TAIL_PASSWORD: passwords.tail,
    },
  });
  // Each service's password as a file, where the chart mounts its key of the Secret.
  secretsDir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-nats-login-"));
  const login = async (user: "order" | "user") => {
    const file = path.join(secretsDir, user);
    await writeFile(file, passwords[user], { mode: 0o400 });
    return { NATS_USER: user, NATS_PASSWORD_FILE: file };
  };
  shop = await startTestMesh("nats_auth", {
    env: { NATS_URL: nats.url },
    serviceEnv: {
      order: await login("order"),
      // A message it cannot read goes to the dead letters at once (the test's poison).
      user: { ...(await login("user")), EVENT_MAX_DELIVERIES: "1" },
    },
  });
}, 90_000);
afterAll(async () => {
  await shop?.close();
  await nats?.close();
  if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
});

/** A connection as `user` (the chart's password unless `password` is given). */
function signIn(user: BrokerUser, password = passwords[user]): Promise<NatsConnection> {
  return connect({ servers: nats.url, user, pass: password, timeout: 5_000 });
}

/** How many messages the stream holds, read as the user service (which may look). */
async function storedIn(stream: string): Promise<number> {
  const connection = await signIn("user");
  try {
    const manager = await jetstreamManager(connection);
    return (await manager.streams.info(stream)).state.messages;
  } finally {
    await connection.close();
  }
}

describe("the bundled NATS's logins", () => {
  it("refuses anonymous clients and wrong passwords; every user has its own drawn password", async () => {
    await expect(connect({ servers: nats.url, timeout: 5_000 })).rejects.toThrow(/authorization/i);
    await expect(signIn("user", passwords.order)).rejects.toThrow(/authorization/i);
    expect(new Set(Object.values(passwords)).size).toBe(3);
    for (const password of Object.values(passwords)) expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it("carries an order's event from the order service to the user service and to `events tail`", async () => {
    const tail = spawn(
      process.execPath,
      [path.join(root, "dist/services/cli/main.js"), "events", "tail", "--count", "1"],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          NATS_URL: nats.url,
          NATS_USER: "tail",
          NATS_PASSWORD: passwords.tail,
        },
      },
    );
    let [stdout, stderr] = ["", ""];
    tail.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    tail.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => tail.once("exit", resolve));
    await expect.poll(() => stderr, { timeout: 20_000 }).toContain("tailing");

    const { users: userClient, products, orders } = shop.clients;
    const buyer = await userClient.createUser({
      email: "nats-login@example.com",
      displayName: "N",
    });
    const price = { currencyCode: "EUR", minorUnits: 500n };
    const product = await products.createProduct({ sku: "NATS-1", name: "N", price, stock: 5 });
    const items = [{ productId: product.id, quantity: 1 }];
    const order = await orders.createOrder({ requestId: randomUUID(), userId: buyer.id, items });

    // Consumed: the user service read it with its login and applied it to the summary.
    await expect
      .poll(
        async () =>
          (await userClient.getUser({ id: buyer.id })).purchaseSummary?.confirmedOrders ?? 0,
        { timeout: 20_000 },
      )
      .toBe(1);
    expect(await exited).toBe(0);
    const [line] = stdout.trim().split("\n");
    expect(JSON.parse(line ?? "{}")).toMatchObject({
      subject: "order-events.order.confirmed",
      event: { order: { id: order.id } },
    });
  });

  it("lets the user service dead-letter what it cannot read", async () => {
    const before = await storedIn("ORDER_EVENTS_DEAD_LETTER");
    const connection = await signIn("order");
    try {
      const poison = new TextEncoder().encode("not an order event");
      await jetstream(connection).publish("order-events.order.confirmed", poison, {
        msgID: randomUUID(),
      });
    } finally {
      await connection.close();
    }
    await expect
      .poll(() => storedIn("ORDER_EVENTS_DEAD_LETTER"), { timeout: 20_000 })
      .toBe(before + 1);
    expect(shop.output.filter((line) => /permission/i.test(line))).toEqual([]);
  });

  it("refuses each login what it was not given, and nothing changes", async () => {
    const before = await storedIn("ORDER_EVENTS");
    const forged = new TextEncoder().encode("forged");
    // The user service, tail and the order service may not do each other's work.
    for (const [user, attempt] of [
      ["user", (c: NatsConnection) => jetstream(c).publish("order-events.order.confirmed", forged)],
      ["tail", (c: NatsConnection) => jetstream(c).publish("order-events.order.confirmed", forged)],
      [
        "order",
        async (c: NatsConnection) => (await jetstreamManager(c)).streams.delete("ORDER_EVENTS"),
      ],
      ["order", async (c: NatsConnection) => (await jetstreamManager(c)).streams.list().next()],
    ] as const) {
      const connection = await signIn(user);
      try {
        await expect(attempt(connection), `${user} must be refused`).rejects.toThrow(
          /permission|timeout|no responders/i,
        );
      } finally {
        await connection.close();
      }
    }
    expect(await storedIn("ORDER_EVENTS")).toBe(before);
  });
});
