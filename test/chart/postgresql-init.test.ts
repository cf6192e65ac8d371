// The bundled PostgreSQL's init script (helm/shopmesh/files/postgresql-init.sh), as the chart
// renders it into its ConfigMap, run with bash and psql against a real PostgreSQL 17 server of
// its own: per service a role that owns its own database and nothing else, idempotent, a
// password change applied, and a release of chart 0.1.0 (every service the superuser) moved over.
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EmbeddedDatabase,
  startEmbeddedPostgres,
} from "../../deploy/local/embedded-postgres.js";
import { freePort } from "../support/ports.js";
import { find, render } from "./helm.js";

const services = ["user", "product", "order"] as const;
// The embedded server's superuser is "postgres" with this password (deploy/local).
const superuser = { name: "postgres", password: "shopmesh-local" };

let folder: string;
let port: number;
let server: EmbeddedDatabase;

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "shopmesh-pg-init-"));
  await chmod(folder, 0o755); // PostgreSQL runs as its own user when the tests run as root
  port = await freePort();
  server = await startEmbeddedPostgres({ dataDir: path.join(folder, "data"), port });
});

afterAll(async () => {
  await server?.stop();
  await rm(folder, { recursive: true, force: true });
});

/** The chart's rendered init script, passwords and database URLs for `password`. */
async function chartFor(password: string) {
  const objects = await render({ sets: [`postgresql.password=${password}`] });
  const script = find(objects, "ConfigMap", "shopmesh-postgresql-init").data?.[
    "postgresql-init.sh"
  ];
  const secret = find(objects, "Secret", "shopmesh-postgresql").stringData ?? {};
  const urls = find(objects, "Secret", "shopmesh-database").stringData ?? {};
  if (!script) throw new Error("the init script is not rendered");
  return { script, secret, urls };
}

/** Runs the rendered script as the postStart hook would, logging in with `currentPassword`. */
async function runInit(password: string, currentPassword: string): Promise<string> {
  const { script, secret } = await chartFor(password);
  const dir = await mkdtemp(path.join(folder, "run-"));
  for (const [key, value] of Object.entries(secret)) await writeFile(path.join(dir, key), value);
  await writeFile(path.join(dir, "init.sh"), script);
  const { stdout, stderr } = await promisify(execFile)("bash", [path.join(dir, "init.sh")], {
    env: {
      PATH: process.env.PATH,
      POSTGRES_USER: superuser.name,
      POSTGRES_DB: "postgres",
      POSTGRES_PASSWORD_FILE: path.join(dir, "POSTGRES_PASSWORD"),
      SHOPMESH_ROLES_DIR: dir,
      PGHOST: "127.0.0.1",
      PGPORT: String(port),
      PGPASSWORD: currentPassword,
    },
  });
  return stdout + stderr;
}

/** A client on `url` (the chart's URL, pointed at this server), connected. */
async function connect(url: string, database?: string): Promise<pg.Client> {
  const target = new URL(url);
  target.hostname = "127.0.0.1";
  target.port = String(port);
  if (database) target.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  return client;
}

async function asSuperuser<T>(database: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: "127.0.0.1",
    port,
    user: superuser.name,
    password: superuser.password,
    database,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const refusal = (url: string, database?: string) =>
  connect(url, database).then(
    async (client) => {
      await client.end();
      return "connected";
    },
    (error: { code?: string }) => error.code,
  );

describe("the bundled PostgreSQL's init script", () => {
  it("moves a chart 0.1.0 database (everything the superuser's) to per-service roles", async () => {
    // What chart 0.1.0 left: the three databases and every table owned by the superuser.
    await asSuperuser("postgres", async (c) => {
      for (const name of services) await c.query(`CREATE DATABASE shopmesh_${name}`);
    });
    await asSuperuser("shopmesh_order", (c) =>
      c.query(`CREATE TYPE order_state AS ENUM ('pending', 'confirmed');
        CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          seq bigserial, state order_state NOT NULL);
        CREATE VIEW pending AS SELECT id FROM orders WHERE state = 'pending';
        CREATE FUNCTION confirmed_count() RETURNS bigint LANGUAGE sql
          AS $$ SELECT count(*) FROM orders WHERE state = 'confirmed' $$;
        INSERT INTO orders (state) VALUES ('pending');`),
    );

    const output = await runInit(superuser.password, superuser.password);
    expect(output).toContain("own their databases");
    const { urls } = await chartFor(superuser.password);

    const order = await connect(urls.ORDER_DATABASE_URL ?? "");
    try {
      const who = await order.query(
        "SELECT current_user AS name, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user",
      );
      expect(who.rows[0]).toEqual({
        name: "shopmesh_order",
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
      });
      // The old rows, the identity and serial sequences, the view, the function and the type.
      await order.query("INSERT INTO orders (state) VALUES ('confirmed')");
      await order.query("ALTER TABLE orders ADD COLUMN note text");
      expect((await order.query("SELECT count(*)::int AS n FROM pending")).rows[0].n).toBe(1);
      expect((await order.query("SELECT confirmed_count()::int AS n")).rows[0].n).toBe(1);
      await order.query("ALTER TYPE order_state ADD VALUE 'cancelled'");
      await order.query("CREATE TABLE later_migration (id int)"); // migrations keep working
    } finally {
      await order.end();
    }
  }, 60_000);

  it("lets no service role into another service's database or the maintenance ones", async () => {
    const { urls } = await chartFor(superuser.password);
    for (const name of services) {
      const url = urls[`${name.toUpperCase()}_DATABASE_URL`] ?? "";
      expect(await refusal(url)).toBe("connected");
      for (const other of services.filter((s) => s !== name)) {
        expect(await refusal(url, `shopmesh_${other}`), `${name} → ${other}`).toBe("42501");
      }
      expect(await refusal(url, "postgres")).toBe("42501");
    }
  });

  it("is idempotent, recreates what is missing, and applies a changed password", async () => {
    await runInit(superuser.password, superuser.password); // again: nothing to do, no error
    await asSuperuser("postgres", async (c) => {
      await c.query("DROP DATABASE shopmesh_user WITH (FORCE)");
      await c.query("DROP ROLE shopmesh_user");
    });
    await runInit(superuser.password, superuser.password);
    const before = await chartFor(superuser.password);
    expect(await refusal(before.urls.USER_DATABASE_URL ?? "")).toBe("connected");

    // A new postgresql.password: every derived password changes, and the init applies them.
    await runInit("a-new-password", superuser.password);
    const after = await chartFor("a-new-password");
    for (const name of services) {
      const key = `${name.toUpperCase()}_DATABASE_URL`;
      expect(after.urls[key]).not.toBe(before.urls[key]);
      expect(await refusal(before.urls[key] ?? ""), `old ${name} password`).toBe("28P01");
      expect(await refusal(after.urls[key] ?? ""), `new ${name} password`).toBe("connected");
    }
    await runInit(superuser.password, "a-new-password"); // back, for the other tests
  }, 120_000);
});
