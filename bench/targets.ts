import { serviceNames } from "../deploy/local/mesh.js";
import { chartMemoryRequestMiB } from "./chart-settings.js";
import type { CaseResult, Ratio } from "./report.js";
import { type StartTime, slowestStartSeconds } from "./start-time.js";

/** V8 flags of the heap-capped cases: old space and young-generation semi-spaces, in MiB. */
export const heapCapOptions = "--max-old-space-size=64 --max-semi-space-size=2";
/** GetProduct with the read cache on and every read a miss. */
export const cacheMissCase = "GetProduct, every read a cache miss";
/** CreateOrder with no broker reachable: the outbox row is written, the relay idles. */
export const eventsOffCase = "CreateOrder, events off (no broker: rows wait in the outbox)";
/** CreateOrder with the relay publishing to NATS (no consumer): the relay's own cost. */
export const relayOnCase = "CreateOrder, relay on (publishing to NATS, no consumer)";
/** CreateOrder with the relay publishing to NATS and the user service consuming. */
export const eventsOnCase = "CreateOrder, events on (relay → NATS → user consumer)";
/** The GetProduct case run with {@link heapCapOptions}. */
export const heapCappedCase = "GetProduct, heap capped";
/** The GetProduct case run with no V8 flags at all (V8 sizes the heap itself). */
export const uncappedCase = "GetProduct, no V8 flags (uncapped heap)";

const isHeapCapped = (result: CaseResult) => result.name.endsWith("heap capped");
const isUncapped = (result: CaseResult) => result.name === uncappedCase;
const peakRssOf = (results: readonly CaseResult[]) =>
  Math.max(...results.flatMap((r) => Object.values(r.peakRssMiB)));

/**
 * The highest peak RSS of any service over its own memory request in the chart's defaults
 * (helm/shopmesh/values.yaml), across `results`: at most 1 when every service fits.
 */
export function peakOverRequest(results: readonly CaseResult[]): {
  ratio: number;
  service: string;
  peakMiB: number;
  requestMiB: number;
} {
  let worst = { ratio: 0, service: "", peakMiB: 0, requestMiB: 0 };
  for (const service of serviceNames) {
    const requestMiB = chartMemoryRequestMiB(service);
    const peakMiB = Math.max(0, ...results.map((r) => r.peakRssMiB[service] ?? 0));
    if (peakMiB / requestMiB > worst.ratio)
      worst = { ratio: peakMiB / requestMiB, service, peakMiB, requestMiB };
  }
  return worst;
}

/** The benchmark issue's targets, computed from one run's results. */
export function targetRatios(
  results: readonly CaseResult[],
  getUserLowRateP50Ms: number,
  startTimes: readonly StartTime[],
): Ratio[] {
  const byName = (name: string) => {
    const found = results.find((r) => r.name === name);
    if (!found) throw new Error(`no case ${name}`);
    return found;
  };
  const floor = byName("B0 bare grpc-js GetProduct");
  const full = byName("GetProduct, full stack");
  const throughput = full.rps / floor.rps;
  const cpu = full.cpuMicrosPerRequest / floor.cpuMicrosPerRequest;
  const missThroughput = byName(cacheMissCase).rps / floor.rps;
  const breakers =
    byName("CreateOrder, breakers on, tracing off").rps /
    byName("CreateOrder, breakers off, tracing off").rps;
  const tracingOff = byName("GetProduct, tracing off");
  const tracing = full.rps / tracingOff.rps;
  const sdk = tracingOff.rps / byName("GetProduct, no telemetry SDK").rps;
  const order = byName("CreateOrder, full stack (Node client)");
  const orderCpu = order.cpuMicrosPerRequest / floor.cpuMicrosPerRequest;
  const start = slowestStartSeconds(startTimes);
  const relay = byName(relayOnCase).rps / byName(eventsOffCase).rps;
  const events = byName(eventsOnCase).rps / byName(eventsOffCase).rps;
  const fanOut = byName("CreateOrder, full stack (Node client)").p50Ms / getUserLowRateP50Ms;
  // Memory with the chart's settings (every case but the floor and the two with other V8
  // flags), against each service's own request; the throughput those settings keep; then the
  // tighter heap cap, and what it costs.
  const memory = peakOverRequest(
    results.filter((r) => r !== floor && !isHeapCapped(r) && !isUncapped(r)),
  );
  const keptThroughput = full.rps / byName(uncappedCase).rps;
  const cappedRss = peakRssOf(results.filter(isHeapCapped));
  const cappedThroughput = byName(heapCappedCase).rps / full.rps;
  return [
    {
      name: "full-stack GetProduct / B0 throughput",
      value: throughput,
      target: ">= 0.5",
      met: throughput >= 0.5,
    },
    {
      name: "full-stack GetProduct service CPU per read / B0's",
      value: cpu,
      target: "<= 2.5",
      met: cpu <= 2.5,
    },
    {
      name: "GetProduct, every read a cache miss / B0 throughput (reported)",
      value: missThroughput,
      target: "—",
      met: true,
    },
    {
      name: "CreateOrder service CPU per order / B0's CPU per request",
      value: orderCpu,
      target: "<= 20",
      met: orderCpu <= 20,
    },
    {
      name: "CreateOrder orders/s at saturation, Node client (reported)",
      value: order.rps,
      target: "—",
      met: true,
    },
    {
      name: "breakers on / off (CreateOrder throughput)",
      value: breakers,
      target: ">= 0.97",
      met: breakers >= 0.97,
    },
    {
      name: "tracing 100% / off (GetProduct throughput)",
      value: tracing,
      target: ">= 0.85",
      met: tracing >= 0.85,
    },
    {
      name: "SDK on, spans off / no SDK (GetProduct throughput)",
      value: sdk,
      target: ">= 0.9",
      met: sdk >= 0.9,
    },
    {
      name: "outbox relay on / off (CreateOrder throughput)",
      value: relay,
      target: ">= 0.9",
      met: relay >= 0.9,
    },
    {
      name: "events on / off (CreateOrder throughput, the consumer and NATS on the same cores; reported)",
      value: events,
      target: "—",
      met: true,
    },
    {
      name: "CreateOrder p50 / GetUser p50 at the low rate",
      value: fanOut,
      target: "<= 2.5",
      met: fanOut <= 2.5,
    },
    {
      name: `peak RSS / memory request, chart defaults (worst: ${memory.service}, ${memory.peakMiB.toFixed(0)} MiB of ${memory.requestMiB} Mi)`,
      value: memory.ratio,
      target: "<= 1",
      met: memory.ratio <= 1,
    },
    {
      name: "GetProduct throughput, chart's V8 flags / no V8 flags",
      value: keptThroughput,
      target: ">= 0.9",
      met: keptThroughput >= 0.9,
    },
    {
      name: `peak RSS with NODE_OPTIONS="${heapCapOptions}" (MiB; GetProduct at ${cappedThroughput.toFixed(2)}× the chart defaults' throughput; reported)`,
      value: cappedRss,
      target: "—",
      met: true,
    },
    {
      name: "start to SERVING, slowest service's median, telemetry on (s)",
      value: start,
      target: "<= 0.6",
      met: start <= 0.6,
    },
  ];
}
