import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getUserCancelledWhen } from "../../../test/support/cancelled-call.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database.js";
import { serveInProcess } from "../../../test/support/in-process-server.js";
import { UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { runForCall } from "../call-scope.js";
import { createServiceClient } from "../client/service-client.js";
import { RpcError, Status } from "../rpc-error.js";
import { implement } from "../server/implement.js";
import { CallerGaveUp } from "../status-semantics.js";
import { toRpcError } from "../to-rpc-error.js";
import { createPool, type Pool, withTransaction } from "./database.js";
import { monitorDatabase } from "./database-monitor.js";

// Item 5 of issue 11: a query never outlives the call it is for, nor the configured ceiling.

const createTime = timestampFromDate(new Date("2024-05-01T12:00:00Z"));
const lockedUpdate = "UPDATE counters SET value = value + 1 WHERE id = 1";

let database: TestDatabase;
/** The pool the handlers use: one connection, so a leaked one would stall the next query. */
let pool: Pool;
/** Holds the row lock the handlers' queries wait for, outside the pool. */
let locker: pg.Client;
let server: { address: string; stop(): Promise<void> };

const handlers = implement(UserService, {
  // A query stuck on the row lock, as plain pool.query (id "plain") or in a transaction.
  async getUser(request) {
    if (request.id === "plain") await pool.query(lockedUpdate);
    else await withTransaction(pool, (tx) => tx.query(lockedUpdate));
    return { id: request.id, email: "grace@example.com", displayName: "Grace", createTime };
  },
  createUser: async () => {
    throw new RpcError(Status.UNIMPLEMENTED, "not here");
  },
  updateUser: async () => {
    throw new RpcError(Status.UNIMPLEMENTED, "not here");
  },
  listUsers: async () => ({ users: [], nextPageToken: "" }),
  getCurrentUser: async () => {
    throw new Error("not called");
  },
});

beforeAll(async () => {
  database = await createTestDatabase("query_bounds");
  // A ceiling far beyond the tests' deadlines: what ends the queries below is the caller.
  pool = createPool({
    url: database.url,
    max: 1,
    applicationName: "test",
    statementTimeoutMs: 60_000,
  });
  await pool.query("CREATE TABLE counters (id int PRIMARY KEY, value int NOT NULL)");
  await pool.query("INSERT INTO counters VALUES (1, 0), (2, 0)");
  locker = new pg.Client({ connectionString: database.url });
  await locker.connect();
  server = await serveInProcess([handlers]);
});

afterAll(async () => {
  await server.stop();
  await locker.end();
  await pool.end();
  await database.drop();
});

/** Runs `test` while another connection holds the lock on counter 1. */
async function whileLocked(test: () => Promise<void>): Promise<void> {
  await locker.query("BEGIN");
  await locker.query("SELECT * FROM counters WHERE id = 1 FOR UPDATE");
  try {
    await test();
  } finally {
    await locker.query("ROLLBACK");
  }
}

/** Backends of this database waiting for a lock now. */
async function lockWaiters(): Promise<number> {
  const { rows } = await locker.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return rows[0]?.n ?? 0;
}

/** The pool's one connection is back, idle, and serves the next query. */
async function expectConnectionReturned(): Promise<void> {
  await vi.waitFor(() => expect(pool.idleCount).toBe(1), { timeout: 2_000 });
  expect(pool.totalCount).toBe(1);
  expect((await pool.query("SELECT value FROM counters WHERE id = 2")).rows).toEqual([
    { value: 0 },
  ]);
}

describe("a query stuck on a row lock", () => {
  it.each(["plain", "transaction"])(
    "(%s) is ended by the caller's deadline, and its connection goes back to the pool",
    async (id) => {
      const client = createServiceClient(UserService, {
        dependency: "user service",
        target: server.address,
        timeoutMs: 300,
      });
      await whileLocked(async () => {
        const started = Date.now();
        await expect(client.getUser({ id })).rejects.toMatchObject({
          code: Status.DEADLINE_EXCEEDED,
        });
        // The server stopped waiting too, long before the 60 s ceiling, with the lock still held.
        await vi.waitFor(async () => expect(await lockWaiters()).toBe(0), { timeout: 2_000 });
        expect(Date.now() - started).toBeLessThan(5_000);
        await expectConnectionReturned();
      });
      client.close();
    },
  );

  it("is cancelled on the server when the caller cancels", async () => {
    await whileLocked(async () => {
      // Cancel once the query is waiting for the lock (not after a guessed sleep).
      const waiting = vi.waitFor(async () => expect(await lockWaiters()).toBe(1), {
        timeout: 5_000,
      });
      const ended = await getUserCancelledWhen(server.address, "plain", waiting);
      expect(ended).toMatchObject({ code: Status.CANCELLED });
      await vi.waitFor(async () => expect(await lockWaiters()).toBe(0), { timeout: 2_000 });
      await expectConnectionReturned();
    });
  });

  it("outside any call, is ended by the ceiling (DEADLINE_EXCEEDED)", async () => {
    const capped = createPool({
      url: database.url,
      max: 1,
      applicationName: "test-ceiling",
      statementTimeoutMs: 200,
    });
    await whileLocked(async () => {
      const error = await capped.query(lockedUpdate).catch((e: unknown) => e);
      // statement_timeout (57014) or lock_timeout (55P03): both are the ceiling.
      expect(["57014", "55P03"]).toContain((error as { code?: unknown }).code);
      expect(toRpcError(error).code).toBe(Status.DEADLINE_EXCEEDED);
    });
    await capped.end();
  });
});

describe("a query for a caller that has gone", () => {
  it("is not sent, and takes no connection", async () => {
    const reason = new RpcError(Status.CANCELLED, "call cancelled");
    const gone = { deadline: Date.now() + 10_000, signal: AbortSignal.abort(reason) };
    const error = await runForCall(gone, () => pool.query("SELECT 1")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallerGaveUp);
    expect(error).toMatchObject({ code: Status.CANCELLED });
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  it("stops waiting for a connection when the caller goes", async () => {
    const held = await pool.connect(); // the pool's only connection
    const controller = new AbortController();
    const waiting = runForCall({ deadline: Infinity, signal: controller.signal }, () =>
      pool.query("SELECT 1"),
    ).catch((e: unknown) => e);
    controller.abort(new RpcError(Status.CANCELLED, "call cancelled"));
    expect(await waiting).toMatchObject({ code: Status.CANCELLED });
    held.release();
    await expectConnectionReturned();
  });
});

describe("monitorDatabase", () => {
  it("reports reachable while the pool is saturated, unreachable for a missing database", async () => {
    const held = await pool.connect(); // every connection of the pool busy
    const reports: boolean[] = [];
    const monitor = monitorDatabase(database.url, 100, (reachable) => reports.push(reachable));
    await vi.waitFor(() => expect(reports).toEqual([true]), { timeout: 5_000 });
    await monitor.stop();
    held.release();

    const missing = new URL(database.url);
    missing.pathname = "/no_such_database";
    const down: boolean[] = [];
    const downMonitor = monitorDatabase(missing.toString(), 100, (reachable) =>
      down.push(reachable),
    );
    await vi.waitFor(() => expect(down).toEqual([false]), { timeout: 5_000 });
    await downMonitor.stop();
  });
});
