import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// dist/services/cli/local-files.js → the repository root, where `make run` keeps .data.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The folder `make run` keeps its data in (SHOPMESH_DATA_DIR, default `.data`). */
export function dataDir(): string {
  return process.env.SHOPMESH_DATA_DIR || path.join(repoRoot, ".data");
}

/** Where `shopmesh login` stores its token. */
export function tokenFile(): string {
  return path.join(dataDir(), "cli-token");
}

/** The token of the last `shopmesh login`, if any (SHOPMESH_TOKEN wins). */
export function storedToken(): string | undefined {
  if (process.env.SHOPMESH_TOKEN) return process.env.SHOPMESH_TOKEN;
  return existsSync(tokenFile()) ? readFileSync(tokenFile(), "utf8").trim() : undefined;
}

/** The operator's trust files: --trust-dir, else SHOPMESH_TRUST_DIR, else `make run`'s. */
export function trustDir(flag: string | undefined, env = process.env): string {
  return flag ?? env.SHOPMESH_TRUST_DIR ?? path.join(dataDir(), "trust");
}
