import { metrics } from "@opentelemetry/api";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { afterAll, describe, expect, it } from "vitest";
import { measureReadCache } from "./cache-metrics.js";
import { CoherentCache } from "./coherent-cache.js";

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
const provider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(provider);
afterAll(() => provider.shutdown());

async function scrape(): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const values: Record<string, number> = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const point = metric.dataPoints[0];
      if (point) values[metric.descriptor.name] = point.value as number;
    }
  }
  return values;
}

describe("read cache metrics", () => {
  it("say whether the cache serves, what it holds, and its hits and misses", async () => {
    const cache = new CoherentCache({ maxEntries: 10, maxBytes: 100_000 });
    measureReadCache(cache);
    expect(await scrape()).toMatchObject({ "shopmesh.read_cache.serving": 0 });
    cache.feedUp();
    await cache.get("k", async () => ({ value: "v" }));
    await cache.get("k", async () => ({ value: "v" }));
    cache.invalidate("other");
    const values = await scrape();
    expect(values).toMatchObject({
      "shopmesh.read_cache.serving": 1,
      "shopmesh.read_cache.entries": 1,
      "shopmesh.read_cache.hits": 1,
      "shopmesh.read_cache.misses": 1,
      "shopmesh.read_cache.invalidations": 1,
    });
    expect(values["shopmesh.read_cache.bytes"]).toBeGreaterThan(0);
  });
});
