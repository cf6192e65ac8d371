import { cors } from "@connectrpc/connect";
import type { HttpHandler } from "./http-listener.js";

// The retry hint and the trace id are read by browsers too.
const exposedHeaders = [...cors.exposedHeaders, "retry-after", "trace-id"].join(", ");
const allowedHeaders = [...cors.allowedHeaders, "authorization", "traceparent"].join(", ");

/**
 * Answers CORS for browsers on other origins: only origins in `allowedOrigins` (exact, e.g.
 * `https://shop.example.com`; `*` allows any) get the headers a browser needs to read responses.
 * Preflights from other origins get 403; same-origin requests carry no Origin check.
 */
export function withCors(handler: HttpHandler, allowedOrigins: readonly string[]): HttpHandler {
  const anyOrigin = allowedOrigins.includes("*");
  const allowed = new Set(allowedOrigins);
  return (request, response) => {
    const origin = request.headers.origin;
    const permitted = typeof origin === "string" && (anyOrigin || allowed.has(origin));
    if (permitted) {
      response.setHeader("access-control-allow-origin", origin);
      response.setHeader("vary", "origin");
      response.setHeader("access-control-expose-headers", exposedHeaders);
    }
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"]) {
      if (!permitted) {
        response.writeHead(403).end();
        return;
      }
      response.writeHead(204, {
        "access-control-allow-methods": cors.allowedMethods.join(", "),
        "access-control-allow-headers": allowedHeaders,
        "access-control-max-age": "7200",
      });
      response.end();
      return;
    }
    handler(request, response);
  };
}
