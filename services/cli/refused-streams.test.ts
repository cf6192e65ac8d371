import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { HealthCheckResponse_ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import { meshClients } from "./mesh-clients.js";

// A bare HTTP/2 server speaking just enough gRPC to answer grpc.health.v1 Check with SERVING,
// after resetting the first `resets` streams with `code`, as a server past its GOAWAY does.
async function resettingServer(resets: number, code: number) {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => sessions.add(session));
  let streams = 0;
  server.on("stream", (stream) => {
    streams++;
    stream.on("error", () => {}); // the reset, seen from the server's side
    if (streams <= resets) {
      stream.close(code);
      return;
    }
    stream.resume();
    stream.respond(
      { ":status": 200, "content-type": "application/grpc" },
      { waitForTrailers: true },
    );
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    // One length-prefixed message: HealthCheckResponse{status: SERVING} is 08 01.
    stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, 0x01]));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    health: meshClients({ user: address, product: address, order: address }, "plaintext").health
      .user,
    streams: () => streams,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy(); // the client keeps its connection
      }),
  };
}

describe("the CLI's clients and refused streams", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("sends a unary call again when the server refused its stream (it was never processed)", async () => {
    const server = await resettingServer(2, http2.constants.NGHTTP2_REFUSED_STREAM);
    close = server.close;
    const response = await server.health.check({}, { timeoutMs: 5_000 });
    expect(response.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect(server.streams()).toBe(3);
  });

  it("gives up after three refusals, and never repeats a call reset for another reason", async () => {
    const refusing = await resettingServer(Infinity, http2.constants.NGHTTP2_REFUSED_STREAM);
    close = refusing.close;
    await expect(refusing.health.check({}, { timeoutMs: 5_000 })).rejects.toBeInstanceOf(
      ConnectError,
    );
    expect(refusing.streams()).toBe(3);
    await refusing.close();
    const failing = await resettingServer(1, http2.constants.NGHTTP2_INTERNAL_ERROR);
    close = failing.close;
    await expect(failing.health.check({}, { timeoutMs: 5_000 })).rejects.toBeInstanceOf(
      ConnectError,
    );
    expect(failing.streams()).toBe(1);
  });
});
