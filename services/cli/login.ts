import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DevIssuer } from "../edge/auth/index.js";

// dist/services/cli/login.js → the repository root, where `make run` keeps .data.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The folder `make run` keeps its data in (SHOPMESH_DATA_DIR, default `.data`). */
export function dataDir(): string {
  return process.env.SHOPMESH_DATA_DIR || path.join(repoRoot, ".data");
}

const tokenFile = () => path.join(dataDir(), "cli-token");

/**
 * Signs in with the development issuer of `make run` (development only: it signs whatever it is
 * asked to). The subject is derived from the email, so the same email is the same user again.
 * The token is stored for later commands and returned.
 */
export async function devLogin(email: string, admin: boolean): Promise<string> {
  const folder = path.join(dataDir(), "dev-issuer");
  if (!existsSync(path.join(folder, "jwks.json"))) {
    throw new Error(`no development issuer in ${folder}: start \`make run\` first`);
  }
  const issuer = await DevIssuer.open(folder);
  const token = await issuer.issueForEmail(email, admin);
  await writeFile(tokenFile(), `${token}\n`, { mode: 0o600 });
  return token;
}

/** The token of the last `shopmesh login`, if any (SHOPMESH_TOKEN wins). */
export function storedToken(): string | undefined {
  if (process.env.SHOPMESH_TOKEN) return process.env.SHOPMESH_TOKEN;
  return existsSync(tokenFile()) ? readFileSync(tokenFile(), "utf8").trim() : undefined;
}
