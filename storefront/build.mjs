// Bundles the storefront page (src/main.ts and what it imports, @connectrpc/connect-web and the
// generated messages) with esbuild into dist/storefront, beside its HTML and CSS. `make build`
// runs it after tsc; the edge serves that folder (STOREFRONT_DIR).
//
// Usage: node storefront/build.mjs
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "..", "dist", "storefront");

await mkdir(out, { recursive: true });
await build({
  entryPoints: [path.join(here, "src", "main.ts")],
  outfile: path.join(out, "app.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "none",
  tsconfig: path.join(here, "tsconfig.json"),
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) {
  await copyFile(path.join(here, "public", file), path.join(out, file));
}
