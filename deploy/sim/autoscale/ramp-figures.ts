import type { ServiceName } from "../../local/mesh.js";
import type { TimeScale } from "../autoscaler/index.js";
import { type Panel, plotSvg } from "./plot-svg.js";
import type { RampResult } from "./ramp-run.js";
import { loadBetween, syncs } from "./report.js";

const colors: Record<ServiceName, string> = {
  user: "#2a9d8f",
  product: "#e76f51",
  order: "#264653",
};

/** The figures the README quotes, from one run (all in real seconds; × factor = simulated). */
export interface RampFigures {
  /** Per service: from the load's start to the first scale-out decision. */
  readonly firstScaleOutS: Partial<Record<ServiceName, number>>;
  /** Per service: most replicas reached. */
  readonly peakReplicas: Partial<Record<ServiceName, number>>;
  /** Per service: longest time from a new pod's readiness to the first call it served. */
  readonly slowestFirstCallS: Partial<Record<ServiceName, number>>;
  /** Calls that failed from the first scale-in decision on (the drain). */
  readonly failedDuringScaleIn: number;
  /** Calls that failed in the whole run (each process's summary). */
  readonly failedTotal: number;
}

/** Computes the figures of one run. */
export function rampFigures(result: RampResult): RampFigures {
  const firstScaleOutS: Partial<Record<ServiceName, number>> = {};
  const peakReplicas: Partial<Record<ServiceName, number>> = {};
  let firstScaleIn: number | undefined;
  for (const { service, decision, at } of result.records) {
    if (
      decision.desiredReplicas > decision.currentReplicas &&
      firstScaleOutS[service] === undefined
    )
      firstScaleOutS[service] = (at - result.startedAt) / 1000;
    if (decision.desiredReplicas < decision.currentReplicas) firstScaleIn ??= at;
    peakReplicas[service] = Math.max(peakReplicas[service] ?? 0, decision.desiredReplicas);
  }
  const slowestFirstCallS: Partial<Record<ServiceName, number>> = {};
  for (const { service, ready, firstCall } of firstCalls(result)) {
    if (firstCall === undefined) continue;
    const s = Math.max(0, firstCall - ready) / 1000;
    slowestFirstCallS[service] = Math.max(slowestFirstCallS[service] ?? 0, s);
  }
  return {
    firstScaleOutS,
    peakReplicas,
    slowestFirstCallS,
    failedDuringScaleIn: firstScaleIn === undefined ? 0 : failedSince(result.load, firstScaleIn),
    failedTotal: result.load.failedTotals.reduce((a, b) => a + b, 0),
  };
}

/**
 * Calls of the load that failed after `from`: those in the per-second lines, plus, for each
 * process still running then, the failures its summary counts beyond its lines (journeys that
 * ended in its last moments, after its last per-second line).
 */
export function failedSince(load: RampResult["load"], from: number): number {
  let failed = loadBetween(load.seconds, from, Infinity).failed;
  load.failedTotals.forEach((total, stage) => {
    const own = load.seconds.filter((second) => second.stage === stage);
    if ((own.at(-1)?.at ?? 0) <= from) return;
    failed += Math.max(0, total - own.reduce((sum, second) => sum + second.failed, 0));
  });
  return failed;
}

/** Each pod added during the run: when it became ready and the first sync that saw it serve. */
export function firstCalls(
  result: RampResult,
): { service: ServiceName; ip: string; ready: number; firstCall?: number }[] {
  const added = new Map<
    string,
    { service: ServiceName; ip: string; ready: number; firstCall?: number }
  >();
  for (const event of result.events) {
    const match = / ready at (\S+) after/.exec(event.line);
    if (match?.[1]) added.set(match[1], { service: event.service, ip: match[1], ready: event.at });
  }
  for (const record of result.records) {
    for (const pod of record.pods) {
      const entry = added.get(pod.ip);
      if (entry && entry.firstCall === undefined && pod.calls > 0) entry.firstCall = record.at;
    }
  }
  return [...added.values()];
}

/** Load, replicas and p99 against time, as an SVG. */
export function rampPlot(result: RampResult, time: TimeScale): string {
  const s = (at: number) => (at - result.startedAt) / 1000;
  const groups = syncs(result.records);
  const services = [...new Set(result.records.map((r) => r.service))];
  let previous = result.startedAt;
  const perSync = groups.map((group) => {
    const at = group[0]?.at ?? previous;
    const load = loadBetween(result.load.seconds, previous, at);
    previous = at;
    return { x: s(at), at, load };
  });
  const panels: Panel[] = [
    {
      title: "load (shopmesh load, open loop)",
      series: [
        {
          label: "journeys/s asked",
          color: "#999",
          points: perSync.map((p) => [p.x, result.load.rateAt(p.at)]),
        },
        {
          label: "calls/s served",
          color: "#1d3557",
          points: perSync.map((p) => [p.x, p.load.calls]),
        },
      ],
    },
    {
      title: "replicas (the HPA's desired count)",
      series: services.map((service) => ({
        label: service,
        color: colors[service],
        points: result.records
          .filter((r) => r.service === service)
          .map((r) => [s(r.at), r.decision.desiredReplicas] as const),
      })),
    },
    {
      title: "p99 latency of the load's calls, ms (worst load process per sync)",
      series: [
        { label: "p99 ms", color: "#c1121f", points: perSync.map((p) => [p.x, p.load.p99Ms]) },
      ],
    },
  ];
  return plotSvg(
    "shopmesh: the chart's HPAs under a load ramp (cluster simulation)",
    `time compressed ×${time.factor}: HPA sync, windows and policy periods ÷${time.factor}; CPU averaged over ${result.metricWindowSeconds} s simulated (${time.toMs(result.metricWindowSeconds) / 1000} s real); pods, load and drains in real time`,
    `real seconds (× ${time.factor} = simulated HPA seconds)`,
    panels,
  );
}
