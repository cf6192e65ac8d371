import type { CaseResult, Ratio } from "./report.js";

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

const isHeapCapped = (result: CaseResult) => result.name.endsWith("heap capped");
const peakRssOf = (results: readonly CaseResult[]) =>
  Math.max(...results.flatMap((r) => Object.values(r.peakRssMiB)));

/** The benchmark issue's targets, computed from one run's results. */
export function targetRatios(results: readonly CaseResult[], getUserLowRateP50Ms: number): Ratio[] {
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
  const tracing = full.rps / byName("GetProduct, tracing off").rps;
  const relay = byName(relayOnCase).rps / byName(eventsOffCase).rps;
  const events = byName(eventsOnCase).rps / byName(eventsOffCase).rps;
  const fanOut = byName("CreateOrder, full stack (Node client)").p50Ms / getUserLowRateP50Ms;
  // Memory as configured by default, then with the heap capped (and what that costs).
  const peakRss = peakRssOf(results.filter((r) => r !== floor && !isHeapCapped(r)));
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
      name: "breakers on / off (CreateOrder throughput)",
      value: breakers,
      target: ">= 0.97",
      met: breakers >= 0.97,
    },
    {
      name: "tracing 100% / off (GetProduct throughput)",
      value: tracing,
      target: ">= 0.75",
      met: tracing >= 0.75,
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
      name: "peak RSS of any service under load (MiB)",
      value: peakRss,
      target: "<= 120",
      met: peakRss <= 120,
    },
    {
      name: `peak RSS with NODE_OPTIONS="${heapCapOptions}" (MiB; GetProduct at ${cappedThroughput.toFixed(2)}× the default's throughput)`,
      value: cappedRss,
      target: "<= 120",
      met: cappedRss <= 120,
    },
  ];
}
