// Bundles each service's entry (user, product, order, edge) and the telemetry entry that is
// `--import`ed before it, with esbuild, into dist/bundle: Node then reads and compiles one file
// per entry instead of resolving, reading and linking ~500 modules, the largest part of a start
// (bench/README.md, "Start"). `make build` runs it after tsc; the image, the chart, `make run`
// and the tests start the services from these bundles:
//
//   node --enable-source-maps --import ./dist/bundle/kit/telemetry-register.js dist/bundle/order/main.js
//
// Source maps (dist/bundle/**/*.js.map, no sources inside, the project's own code only:
// own-code-source-map.mjs) keep stack traces pointing at the TypeScript files and lines. pg stays outside the bundles: the pg instrumentation patches it
// when it is `require`d from node_modules (services/kit/telemetry/telemetry-start.ts), and the
// services' `import pg` must get that same patched module.
//
// Usage: node deploy/tools/bundle-services.mjs
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { narrowSourceMapFile } from "./own-code-source-map.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = path.join(root, "dist", "bundle");
/** The services started from a bundle; the CLI is not one of them (it starts on its own path). */
const services = ["user", "product", "order", "edge"];

// Packages that read files beside their own code (@grpc/reflection's .proto files, grpc-js's
// channelz) keep finding them in node_modules: their __dirname and __filename become the
// original folders, found from the bundle's own URL at run time. Every entry sits one folder
// below dist/bundle, so one relative path serves them all.
const ownFolders = {
  name: "own-folders",
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      if (!text.includes("__dirname") && !text.includes("__filename")) return undefined;
      const fromBundle = (file) => JSON.stringify(path.relative(out, file));
      const prelude = `var __dirname = __bundled(${fromBundle(path.dirname(args.path))}), __filename = __bundled(${fromBundle(args.path)});`;
      return { contents: `${prelude}\n${text}`, loader: "js", resolveDir: path.dirname(args.path) };
    });
  },
};

const { metafile } = await build({
  entryPoints: {
    "kit/telemetry-register": path.join(root, "services/kit/telemetry-register.ts"),
    ...Object.fromEntries(
      services.map((name) => [`${name}/main`, path.join(root, "services", name, "main.ts")]),
    ),
  },
  outdir: out,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["pg", "pg-native"],
  sourcemap: "linked",
  sourcesContent: false,
  // The CommonJS packages inside an ES module bundle still call require (Node's own modules,
  // optional dependencies), and __bundled is what ownFolders' preludes call.
  banner: {
    js: [
      'import { createRequire as __createRequire } from "node:module";',
      'import { fileURLToPath as __fileURLToPath } from "node:url";',
      "const require = __createRequire(import.meta.url);",
      'const __bundled = (relative) => __fileURLToPath(new URL("../" + relative, import.meta.url));',
    ].join("\n"),
  },
  plugins: [ownFolders],
  tsconfig: path.join(root, "tsconfig.json"),
  logLevel: "warning",
  metafile: true,
});
for (const output of Object.keys(metafile.outputs).filter((file) => file.endsWith(".map"))) {
  await narrowSourceMapFile(path.resolve(output));
}
