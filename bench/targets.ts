import type { CaseResult, Ratio } from "./report.js";

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
  const breakers =
    byName("CreateOrder, breakers on, tracing off").rps /
    byName("CreateOrder, breakers off, tracing off").rps;
  const tracing = full.rps / byName("GetProduct, tracing off").rps;
  const fanOut = byName("CreateOrder, full stack (Node client)").p50Ms / getUserLowRateP50Ms;
  const peakRss = Math.max(
    ...results.filter((r) => r !== floor).flatMap((r) => Object.values(r.peakRssMiB)),
  );
  return [
    {
      name: "full-stack GetProduct / B0 throughput",
      value: throughput,
      target: ">= 0.5",
      met: throughput >= 0.5,
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
  ];
}
