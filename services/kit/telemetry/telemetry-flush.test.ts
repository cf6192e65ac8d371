import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { boundedFlush, collectorReachable, otlpTracesEndpoint } from "./telemetry-flush.js";

describe("otlpTracesEndpoint", () => {
  it("reads the signal's endpoint, then the common one, then the protocol's default", () => {
    expect(otlpTracesEndpoint({}).href).toBe("http://localhost:4318/");
    expect(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }).href).toBe(
      "http://localhost:4317/",
    );
    expect(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318" }).host).toBe(
      "jaeger:4318",
    );
    expect(
      otlpTracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://collector/v1/traces",
      }).host,
    ).toBe("collector");
  });
});

describe("boundedFlush", () => {
  const servers: net.Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });
  const listening = async () => {
    const server = net.createServer((socket) => socket.on("error", () => {}));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  };
  const closedPort = async () => {
    const url = await listening();
    await new Promise((resolve) => servers.pop()?.close(resolve));
    return url;
  };

  it("skips the flush when nothing listens at the endpoint", async () => {
    const endpoint = await closedPort();
    expect(await collectorReachable(endpoint)).toBe(false);
    let flushed = false;
    const outcome = await boundedFlush(
      async () => {
        flushed = true;
      },
      { endpoint },
    );
    expect(outcome).toBe("unreachable");
    expect(flushed).toBe(false);
  });

  it("flushes when the collector listens, and reports a failed flush", async () => {
    const endpoint = await listening();
    expect(await boundedFlush(async () => {}, { endpoint })).toBe("flushed");
    expect(await boundedFlush(() => Promise.reject(new Error("500")), { endpoint })).toBe("failed");
  });

  it("stops waiting after the bound", async () => {
    const endpoint = await listening();
    const started = performance.now();
    const outcome = await boundedFlush(() => new Promise(() => {}), { endpoint, boundMs: 200 });
    expect(outcome).toBe("timed out");
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
