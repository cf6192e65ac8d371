import { expect, it } from "vitest";
import { LatencyHistogram } from "./latency-histogram.js";
import { LoadWindow, secondLine, summary } from "./load-stats.js";

it("reads percentiles within 2% of the recorded latencies", () => {
  const histogram = new LatencyHistogram();
  for (let ms = 1; ms <= 100; ms++) histogram.record(ms);
  expect(histogram.count).toBe(100);
  expect(histogram.percentile(50)).toBeGreaterThanOrEqual(50);
  expect(histogram.percentile(50)).toBeLessThanOrEqual(51);
  expect(histogram.percentile(99)).toBeGreaterThanOrEqual(99);
  expect(histogram.percentile(99)).toBeLessThanOrEqual(101);
  expect(new LatencyHistogram().percentile(99)).toBe(0);
});

it("prints a second's line and the summary with journeys by kind and errors by code", () => {
  const window = new LoadWindow();
  window.call(2);
  window.call(4, "UNAVAILABLE");
  window.journey("order", false);
  window.journey("browse", true);
  expect(secondLine(3, window)).toMatch(
    /^ {3}3s {2}journeys 2\/s {2}calls 2\/s {2}p50 [\d.]+ ms {2}p99 [\d.]+ ms {2}errors: UNAVAILABLE 1$/,
  );
  expect(summary(2_000, window, ["browse", "order", "cancel"]).split("\n")).toEqual([
    expect.stringMatching(/^load finished after 2\.0 s: 2 journeys \(1\.0\/s\), 2 calls, p50/),
    "  browse          1 ok      0 failed",
    "  order           0 ok      1 failed",
    "  cancel          0 ok      0 failed",
    "  errors by code: UNAVAILABLE 1",
  ]);
});
