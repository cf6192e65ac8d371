import type http from "node:http";
import type http2 from "node:http2";
import type { HttpHandler } from "../../kit/index.js";
import type { DevIssuer } from "../auth/index.js";
import { pageSecurityHeaders, type StaticFile } from "./static-files.js";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

// A sign-in request is one email address; anything larger is not one.
const maxSignInBytes = 4096;

/**
 * What the edge answers besides RPCs: the storefront page (GET), and, only when a development
 * issuer is configured, `POST /dev-issuer/token` with `{"email": …}`, which signs anyone in as
 * that email (development only). Everything else: 404.
 */
export function webRoutes(options: {
  files: ReadonlyMap<string, StaticFile> | undefined;
  devIssuer: DevIssuer | undefined;
}): HttpHandler {
  return (request, response) => {
    const url = new URL(request.url ?? "/", "http://edge");
    const file = options.files?.get(url.pathname);
    if (file && (request.method === "GET" || request.method === "HEAD")) {
      response.writeHead(200, {
        ...pageSecurityHeaders,
        "content-type": file.contentType,
        "content-length": String(file.body.length),
      });
      if (request.method === "HEAD") response.end();
      else response.end(file.body);
      return;
    }
    if (url.pathname === "/dev-issuer/token" && options.devIssuer && request.method === "POST") {
      void devSignIn(options.devIssuer, request, response);
      return;
    }
    reply(response, 404, { error: `${url.pathname}: not found` });
  };
}

async function devSignIn(issuer: DevIssuer, request: Request, response: Response): Promise<void> {
  let text = "";
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > maxSignInBytes) {
      reply(response, 413, { error: `request body: must be at most ${maxSignInBytes} bytes` });
      return;
    }
  }
  let email: unknown;
  try {
    ({ email } = JSON.parse(text) as { email?: unknown });
  } catch {
    reply(response, 400, { error: 'request body: must be JSON {"email": "…"}' });
    return;
  }
  if (typeof email !== "string" || !/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254) {
    reply(response, 400, { error: "email: must be an email address" });
    return;
  }
  reply(response, 200, { token: await issuer.issueForEmail(email) });
}

function reply(response: Response, status: number, body: Record<string, string>): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  response.end(JSON.stringify(body));
}
