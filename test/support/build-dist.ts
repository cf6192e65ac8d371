import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Brings dist/ up to date with the source (`tsc -b tsconfig.build.json`, incremental), so the
 * end-to-end suites, which run the compiled services as processes, never test a stale build.
 * Build mode answers "up to date" in well under a second when nothing changed.
 */
export async function buildDist(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [tsc, "-b", "tsconfig.build.json"],
      { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) resolve();
        else reject(new Error(`tsc -b tsconfig.build.json failed:\n${stdout}${stderr}`));
      },
    );
  });
}
