import { metrics } from "@opentelemetry/api";
import type { CoherentCache } from "./coherent-cache.js";

/**
 * Reports `cache` through the OpenTelemetry meter (the Prometheus endpoint): whether it serves
 * (0 while its listener is down: every read goes to PostgreSQL), what it holds, and its hits,
 * misses and invalidations. Read when scraped, so the read path pays nothing for them.
 */
export function measureReadCache(cache: CoherentCache): void {
  const meter = metrics.getMeter("shopmesh");
  meter
    .createObservableGauge("shopmesh.read_cache.serving", {
      description:
        "1 while the read cache serves (its LISTEN connection is up), 0 while reads go to PostgreSQL",
    })
    .addCallback((result) => result.observe(cache.serving ? 1 : 0));
  meter
    .createObservableGauge("shopmesh.read_cache.entries", {
      description: "Rows and pages held (bounded by CACHE_MAX_ENTRIES)",
    })
    .addCallback((result) => result.observe(cache.held.entries));
  meter
    .createObservableGauge("shopmesh.read_cache.bytes", {
      description: "Estimated bytes held (bounded by CACHE_MAX_BYTES)",
      unit: "By",
    })
    .addCallback((result) => result.observe(cache.held.bytes));
  for (const outcome of ["hits", "misses", "invalidations"] as const) {
    meter
      .createObservableCounter(`shopmesh.read_cache.${outcome}`, {
        description: `Read cache ${outcome} since start`,
      })
      .addCallback((result) => result.observe(cache.counts[outcome]));
  }
}
