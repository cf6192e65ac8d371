// Narrows package.json and package-lock.json in DIR to what compiling needs: the production
// dependencies, TypeScript, the type declarations (@types/*) and the storefront's bundler. The image's build stage runs
// it before `npm ci`, so the compiler is installed from the committed lockfile (same versions,
// same integrity hashes) without the other devDependencies (buf, biome, embedded PostgreSQL,
// the kubectl layer: ~450 MB the build never uses).
//
// Usage: node deploy/image/compiler-lockfile.mjs DIR
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** The devDependencies compiling needs (esbuild and connect-web bundle the storefront page). */
export const isCompilerPackage = (name) =>
  name === "typescript" ||
  name.startsWith("@types/") ||
  name === "esbuild" ||
  name === "@connectrpc/connect-web";

/** Where npm finds `name` from the package at `from` ("" is the root), or undefined. */
function resolve(packages, from, name) {
  let base = from;
  for (;;) {
    const candidate = `${base === "" ? "" : `${base}/`}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === "") return undefined;
    const parent = base.lastIndexOf("/node_modules/");
    base = parent < 0 ? "" : base.slice(0, parent);
  }
}

/** The lockfile reduced to the packages reachable from the kept root dependencies. */
export function narrowLockfile(lock, keptDevDependencies) {
  const root = lock.packages[""];
  const rootEntry = { ...root, devDependencies: keptDevDependencies };
  const packages = { ...lock.packages, "": rootEntry };
  const kept = new Map([["", rootEntry]]);
  const queue = [""];
  while (queue.length > 0) {
    const at = queue.shift();
    const entry = packages[at];
    const required = { ...entry.dependencies, ...(at === "" ? rootEntry.devDependencies : {}) };
    const optional = { ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const [names, mustExist] of [
      [Object.keys(required), true],
      [Object.keys(optional), false],
    ]) {
      for (const name of names) {
        const found = resolve(packages, at, name);
        if (!found) {
          if (mustExist) throw new Error(`${at || "the root"} needs ${name}: not in the lockfile`);
          continue; // another platform's optional binary, or a peer nobody installed
        }
        if (!kept.has(found)) {
          kept.set(found, packages[found]);
          queue.push(found);
        }
      }
    }
  }
  return { ...lock, packages: Object.fromEntries(kept) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) throw new Error("usage: node compiler-lockfile.mjs DIR");
  const read = (file) => JSON.parse(readFileSync(path.join(dir, file), "utf8"));
  const write = (file, value) =>
    writeFileSync(path.join(dir, file), `${JSON.stringify(value, null, 2)}\n`);
  const manifest = read("package.json");
  const keptDev = Object.fromEntries(
    Object.entries(manifest.devDependencies ?? {}).filter(([name]) => isCompilerPackage(name)),
  );
  const lock = narrowLockfile(read("package-lock.json"), keptDev);
  write("package.json", { ...manifest, devDependencies: keptDev });
  write("package-lock.json", lock);
  console.log(
    `compiler-lockfile: kept ${Object.keys(lock.packages).length - 1} packages (${Object.keys(keptDev).join(", ")})`,
  );
}
