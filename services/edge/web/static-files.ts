import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** A file of the storefront, read once at start (the whole page is a few kilobytes). */
export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

// Only these names are served: no path from a request ever reaches the file system.
const files: Readonly<Record<string, string>> = {
  "/": "index.html",
  "/index.html": "index.html",
  "/app.js": "app.js",
  "/style.css": "style.css",
};
const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/**
 * The storefront's files in `folder` (built by `make build` into dist/storefront), by URL path;
 * undefined when the folder holds no page (the edge then serves the API only).
 */
export function loadStaticFiles(folder: string): ReadonlyMap<string, StaticFile> | undefined {
  if (!existsSync(path.join(folder, "index.html"))) return undefined;
  const loaded = new Map<string, StaticFile>();
  for (const [urlPath, name] of Object.entries(files)) {
    loaded.set(urlPath, {
      body: readFileSync(path.join(folder, name)),
      contentType: contentTypes[path.extname(name)] ?? "application/octet-stream",
    });
  }
  return loaded;
}

/** Headers of every page response: the page may talk to its own origin only. */
export const pageSecurityHeaders: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // Small files, changed by every build: revalidate instead of guessing a lifetime.
  "cache-control": "no-cache",
};
