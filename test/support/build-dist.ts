import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The folders tsconfig.build.json compiles. */
const sourceFolders = ["services", "deploy", "bench"];

/**
 * Brings dist/ up to date with the source (`tsc -b tsconfig.build.json`, incremental), so the
 * end-to-end suites, which run the compiled services as processes, never test a stale build.
 * Build mode answers "up to date" in well under a second when nothing changed.
 */
export async function buildDist(): Promise<void> {
  // tsc -b trusts its build info and does not re-emit an output deleted since: rebuild all then.
  const force = (await missingOutputs()).length > 0;
  await tsc(["-b", "tsconfig.build.json", ...(force ? ["--force"] : [])]);
  const missing = await missingOutputs();
  if (missing.length > 0) throw new Error(`tsc -b emitted no ${missing.join(", ")}`);
  // The services' bundles, which every test starts them from, and the storefront page the edge
  // serves (esbuild, about a second each).
  await node([path.join(repoRoot, "deploy", "tools", "bundle-services.mjs")]);
  await node([path.join(repoRoot, "storefront", "build.mjs")]);
}

/** The dist/ files of compiled sources that are not there. */
async function missingOutputs(): Promise<string[]> {
  const missing = [];
  for (const folder of sourceFolders) {
    const files = await readdir(path.join(repoRoot, folder), { recursive: true });
    for (const file of files) {
      if (!file.endsWith(".ts") || file.endsWith(".test.ts") || file.endsWith(".d.ts")) continue;
      const output = path.join("dist", folder, file.replace(/\.ts$/, ".js"));
      if (!existsSync(path.join(repoRoot, output))) missing.push(output);
    }
  }
  return missing;
}

function tsc(args: string[]): Promise<void> {
  return node([createRequire(import.meta.url).resolve("typescript/bin/tsc"), ...args]);
}

function node(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) resolve();
        else reject(new Error(`node ${args.join(" ")} failed:\n${stdout}${stderr}`));
      },
    );
  });
}
