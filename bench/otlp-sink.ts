import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An OTLP/HTTP endpoint that accepts and drops everything: the services pay the full cost of
 * exporting their spans (Jaeger would be the receiver in a real run) without a collector here.
 */
export async function startOtlpSink(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
