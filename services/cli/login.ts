import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
// The file itself, not the edge's auth index: that one loads the kit (grpc-js, pg) to start.
import { DevIssuer } from "../edge/auth/dev-issuer.js";
import { dataDir, tokenFile } from "./local-files.js";

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
