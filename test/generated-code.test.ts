import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";

// services/gen is committed so that a checkout builds without buf; this keeps it honest.
const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "node_modules", ".bin");
let scratch = "";
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function filesUnder(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = new Map<string, string>();
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), await readFile(file, "utf8"));
  }
  return files;
}

// buf runs protoc-gen-es, a Node process: 7 s at load 6, 31 s seen at load 8-13 (over
// vitest's 30 s default), more beside another test file.
it("services/gen is what `make gen` generates from proto/", { timeout: 120_000 }, async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "shopmesh-gen-"));
  execFileSync(path.join(bin, "buf"), ["generate", "--output", scratch], {
    cwd: root,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  const fresh = await filesUnder(path.join(scratch, "services", "gen"));
  const committed = await filesUnder(path.join(root, "services", "gen"));
  expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
  for (const [file, content] of fresh) {
    expect(committed.get(file), `${file} is stale: run \`make gen\``).toBe(content);
  }
});
