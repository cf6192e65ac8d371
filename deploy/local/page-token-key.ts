import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { newPageTokenKey } from "../../services/kit/listing/index.js";

/**
 * The file holding the key the order service seals page tokens with, made on first use under
 * `dataDir` (readable by its owner only) and kept, so tokens outlive a restart of the service.
 */
export function ensurePageTokenKey(dataDir: string): string {
  const folder = path.join(dataDir, "secrets");
  const file = path.join(folder, "page-token.key");
  if (!existsSync(file)) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    // `wx`: two runners starting at once cannot both write it; the second keeps the first's.
    try {
      writeFileSync(file, `${newPageTokenKey()}\n`, { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return file;
}
