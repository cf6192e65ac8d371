import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";

// PostgreSQL refuses to run as root: as root, it runs as this unprivileged system user, which
// must be able to reach its binaries and its data folder.
const postgresUser = "postgres";
// Root-owned, and traversable by every user: nobody else can plant binaries here.
const placeForPostgres = "/var/lib/shopmesh";

/** The user and group PostgreSQL runs as. */
export interface PostgresOwner {
  readonly uid: number;
  readonly gid: number;
}

/** The binaries the embedded server runs. */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
}

/** The "postgres" system user, created when missing. */
export function ensurePostgresUser(): PostgresOwner {
  const id = (flag: string) => Number(execFileSync("id", [flag, postgresUser]).toString().trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", postgresUser]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

/** Whether `owner` passes `test FLAG target` (-x, -w, …): the kernel's answer, ACLs included. */
function ownerCan(owner: PostgresOwner, flag: string, target: string): boolean {
  return spawnSync("test", [flag, target], { uid: owner.uid, gid: owner.gid }).status === 0;
}

/**
 * Binaries `owner` can run: these, or a copy of their folder (bin, lib, share) under
 * /var/lib/shopmesh when they sit in a folder it cannot enter, such as a checkout in root's
 * home (mode 0700). The copy is made once per version and kept.
 */
export function reachableBinaries(
  binaries: PostgresBinaries,
  owner: PostgresOwner,
  notice: (line: string) => void,
): PostgresBinaries {
  if (ownerCan(owner, "-x", binaries.initdb) && ownerCan(owner, "-x", binaries.postgres)) {
    return binaries;
  }
  const native = path.dirname(path.dirname(binaries.initdb));
  const target = path.join(placeForPostgres, `postgres-${versionOf(native)}`);
  if (!existsSync(target)) {
    notice(
      `user ${postgresUser} cannot reach ${native}: copying the PostgreSQL binaries to ${target}`,
    );
    mkdirSync(placeForPostgres, { recursive: true, mode: 0o755 });
    // Copied next to the target and renamed: a copy cut short never passes for a whole one.
    const partial = `${target}.partial-${process.pid}`;
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    try {
      renameSync(partial, target);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(target)) throw error; // else another run finished the same copy first
    }
  }
  const moved = (file: string) => path.join(target, path.relative(native, file));
  return { initdb: moved(binaries.initdb), postgres: moved(binaries.postgres) };
}

/**
 * A data folder `owner` can reach: `dataDir`, or, when one of its parents is closed to it, a
 * folder under /var/lib/shopmesh named after `dataDir` (the same checkout always finds its data).
 */
export function reachableDataDir(
  dataDir: string,
  owner: PostgresOwner,
  notice: (line: string) => void,
): string {
  const parent = path.dirname(dataDir);
  mkdirSync(parent, { recursive: true });
  if (ownerCan(owner, "-x", parent)) return dataDir;
  const hash = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
  const moved = path.join(placeForPostgres, `data-${hash}`, path.basename(dataDir));
  notice(
    `user ${postgresUser} (PostgreSQL does not run as root) cannot enter ${parent}: ` +
      `its data is in ${moved} instead`,
  );
  mkdirSync(path.dirname(moved), { recursive: true, mode: 0o755 });
  return moved;
}

function versionOf(native: string): string {
  try {
    const manifest = path.join(native, "..", "package.json");
    return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  } catch {
    return createHash("sha256").update(native).digest("hex").slice(0, 12);
  }
}
