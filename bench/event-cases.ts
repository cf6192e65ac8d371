import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { Mesh } from "../deploy/local/mesh.js";
import { startLocalNats } from "../deploy/local/nats.js";
import { log, shape, smoke } from "./bench-shape.js";
import { createOrderCase, type OrderFixture } from "./create-order-case.js";
import { benchPorts } from "./ports.js";
import type { CaseResult } from "./report.js";
import { clientsOf, type StackContext, withStack } from "./stack.js";
import { createFixture } from "./stack-cases.js";
import { eventsOffCase, eventsOnCase, relayOnCase } from "./targets.js";
import { percentile, runUnaryLoad } from "./unary-load.js";

/** Commit of an order's confirmation → its effect in the user service, at a steady rate. */
export interface EventLag {
  readonly ordersPerSecond: number;
  readonly events: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** What the event cases measured. */
export interface EventCasesResult {
  readonly results: CaseResult[];
  readonly lag: EventLag;
}

// Nothing listens on port 1: the services run as with the broker down.
const noBroker = "nats://127.0.0.1:1";
const natsPort = benchPorts.nats;

/**
 * CreateOrder with the outbox relay off (no broker), on (publishing to a real nats-server, no
 * consumer), and with the whole flow (the user service consuming too), each on fresh databases
 * so that none inherits another's backlog; then, with the whole flow, the lag from commit to the
 * consumer's effect at a steady order rate. Tracing is off in all, so the differences are the
 * events' alone.
 */
export async function runEventCases(
  freshDatabases: (label: string) => Promise<StackContext["databaseUrls"]>,
  otlpEndpoint: string,
): Promise<EventCasesResult> {
  const results: CaseResult[] = [];
  const env = { OTEL_TRACES_EXPORTER: "none" };
  const off = { databaseUrls: await freshDatabases("events_off"), otlpEndpoint };
  await withStack(off, eventsOffCase, { ...env, NATS_URL: noBroker }, async (mesh, pids) => {
    results.push(await createOrderCase(eventsOffCase, mesh, pids, await createFixture(mesh)));
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-nats-"));
  const nats = await startLocalNats({ dir, host: "127.0.0.1", port: natsPort, onOutput: () => {} });
  const relayOn = { databaseUrls: await freshDatabases("relay_on"), otlpEndpoint };
  const on = { databaseUrls: await freshDatabases("events_on"), otlpEndpoint };
  let lag: EventLag | undefined;
  try {
    // The relay alone: the user service has no broker, so nothing consumes on these cores.
    await withStack(
      relayOn,
      relayOnCase,
      { ...env, NATS_URL: nats.url },
      async (mesh, pids) => {
        results.push(await createOrderCase(relayOnCase, mesh, pids, await createFixture(mesh)));
      },
      { user: { NATS_URL: noBroker } },
    );
    await withStack(on, eventsOnCase, { ...env, NATS_URL: nats.url }, async (mesh, pids) => {
      const fixture = await createFixture(mesh);
      results.push(await createOrderCase(eventsOnCase, mesh, pids, fixture));
      lag = await measureLag(mesh, fixture, on.databaseUrls);
    });
  } finally {
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  }
  if (!lag) throw new Error("the event lag was not measured");
  return { results, lag };
}

/**
 * Waits until the consumer caught up with the saturation run's backlog, then places orders at a
 * steady rate and reads, per event, when the confirmation committed (the outbox row's time,
 * the confirming transaction's) and when the user service applied it (processed_events, its
 * transaction's time): both from the one PostgreSQL server's clock.
 */
async function measureLag(
  mesh: Mesh,
  fixture: OrderFixture,
  urls: StackContext["databaseUrls"],
): Promise<EventLag> {
  const orders = new pg.Pool({ connectionString: urls.order, max: 1 });
  const users = new pg.Pool({ connectionString: urls.user, max: 1 });
  const client = clientsOf(mesh).orders;
  try {
    log("events: waiting for the consumer to drain the saturation backlog");
    await caughtUp(orders, users, "-infinity");
    const rate = smoke ? 10 : 20;
    const seconds = smoke ? 1 : 15;
    log(`events: lag at ${rate} orders/s for ${seconds} s`);
    const { rows } = await orders.query<{ now: Date }>("SELECT now()");
    const since = (rows[0]?.now ?? new Date()).toISOString();
    await runUnaryLoad(
      () =>
        client.createOrder({
          requestId: randomUUID(),
          userId: fixture.userId,
          items: [{ productId: fixture.productId, quantity: 1 }],
        }),
      { concurrency: shape.concurrency, durationSeconds: seconds, rate },
    );
    const lags = (await caughtUp(orders, users, since)).sort((a, b) => a - b);
    return {
      ordersPerSecond: rate,
      events: lags.length,
      p50Ms: percentile(lags, 50),
      p99Ms: percentile(lags, 99),
      maxMs: lags.at(-1) ?? 0,
    };
  } finally {
    client.close();
    await orders.end();
    await users.end();
  }
}

/**
 * Polls until every event committed since `since` was applied; returns, per event, the time from
 * its commit to its application in milliseconds.
 */
async function caughtUp(orders: pg.Pool, users: pg.Pool, since: string): Promise<number[]> {
  const giveUpAt = Date.now() + 300_000;
  const applied = new Map<string, number>();
  for (;;) {
    const { rows } = await orders.query<{ event_id: string; at: Date }>(
      "SELECT event_id, event_time AS at FROM order_outbox WHERE event_time >= $1",
      [since],
    );
    const done = await users.query<{ event_id: string; at: Date }>(
      "SELECT event_id, processed_at AS at FROM processed_events WHERE processed_at >= $1",
      [since],
    );
    for (const row of done.rows) applied.set(row.event_id, row.at.getTime());
    if (rows.every((row) => applied.has(row.event_id))) {
      return rows.map((row) => (applied.get(row.event_id) ?? 0) - row.at.getTime());
    }
    if (Date.now() > giveUpAt) throw new Error("the user service never caught up with the events");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
