import { describe, expect, it } from "vitest";
import { startCliTracing } from "./tracing.js";

// With tracing off the SDK is not loaded: the CLI still starts each command's trace and sends it.
describe("the CLI's tracing without the SDK (OTEL_TRACES_EXPORTER=none)", () => {
  // The interceptor's view of one call: the headers it would send.
  const headersOfCall = async (interceptor: Awaited<ReturnType<typeof startCliTracing>>) => {
    const header = new Headers();
    const next = async () => header;
    // Only `header` is read by the interceptor; the rest of a request does not matter here.
    await interceptor.interceptor(next as never)({ header } as never);
    return header;
  };

  it("sends a sampled traceparent of the trace whose id it printed, one per command", async () => {
    const tracing = await startCliTracing({ OTEL_TRACES_EXPORTER: "none" });
    const seen = await Promise.all(
      ["a", "b"].map((name) =>
        tracing.traced(name, async (traceId) => ({
          traceId,
          traceparent: (await headersOfCall(tracing)).get("traceparent"),
        })),
      ),
    );
    for (const { traceId, traceparent } of seen) {
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    }
    expect(seen[0]?.traceId).not.toBe(seen[1]?.traceId);
  });

  it("sends none outside a command's trace", async () => {
    const tracing = await startCliTracing({ OTEL_SDK_DISABLED: "true" });
    expect((await headersOfCall(tracing)).has("traceparent")).toBe(false);
    await tracing.shutdown();
  });
});
