import type { TimeScale } from "../autoscaler/index.js";
import type { SyncRecord } from "./autoscaling-loop.js";
import type { LoadSecond } from "./load-ramp.js";

/** What the load did in one stretch of time: calls/s summed over processes, worst p99. */
export interface LoadInterval {
  readonly calls: number;
  readonly p99Ms: number;
  readonly failed: number;
}

/** The load's seconds reported in (from, to]: calls per second summed, the worst p99. */
export function loadBetween(
  seconds: readonly LoadSecond[],
  from: number,
  to: number,
): LoadInterval {
  const inside = seconds.filter((second) => second.at > from && second.at <= to);
  const spanS = Math.max(1, (to - from) / 1000);
  return {
    calls: inside.reduce((sum, second) => sum + second.calls, 0) / spanS,
    p99Ms: Math.max(0, ...inside.map((second) => second.p99Ms)),
    failed: inside.reduce((sum, second) => sum + second.failed, 0),
  };
}

const percent = (value: number | undefined) =>
  value === undefined ? "  —" : `${Math.round(value)}%`.padStart(4);

/**
 * One sync as a line: time (real and simulated), the decision with its inputs (per pod:
 * CPU % of request and share of the calls since the last sync), and the reason.
 */
export function syncLine(record: SyncRecord, startedAt: number, time: TimeScale): string {
  const realS = (record.at - startedAt) / 1000;
  const { decision } = record;
  const total = record.pods.reduce((sum, pod) => sum + pod.calls, 0);
  const pods = record.pods
    .map((pod) => {
      const share = total === 0 ? 0 : Math.round((pod.calls / total) * 100);
      const state = pod.deleting ? " terminating" : pod.ready ? "" : " starting";
      return `${pod.ip} cpu ${percent(pod.utilization)} calls ${share}%${state}`;
    })
    .join(" | ");
  const verb =
    decision.desiredReplicas > decision.currentReplicas
      ? "SCALE OUT"
      : decision.desiredReplicas < decision.currentReplicas
        ? "SCALE IN "
        : "keep     ";
  return (
    `${realS.toFixed(1).padStart(6)} s (sim ${Math.round(time.toSimulatedSeconds(record.at - startedAt))} s) ` +
    `${record.service.padEnd(7)} ${verb} ${decision.currentReplicas}→${decision.desiredReplicas}` +
    ` avg ${percent(decision.utilization)} metric→${decision.metricReplicas ?? "?"}` +
    `${decision.reason ? ` (${decision.reason})` : ""}  [${pods}]`
  );
}

/** A Markdown table: per sync period, load, p99 and each service's replicas. */
export function timelineTable(
  records: readonly SyncRecord[],
  seconds: readonly LoadSecond[],
  startedAt: number,
  time: TimeScale,
  rateAt: (at: number) => number,
): string {
  const services = [...new Set(records.map((record) => record.service))];
  const rows: string[] = [
    `| real s | sim s | load journeys/s | calls/s | p99 ms | failed | ${services.map((s) => `${s} replicas (avg cpu)`).join(" | ")} |`,
    `|---:|---:|---:|---:|---:|---:|${services.map(() => "---:").join("|")}|`,
  ];
  let previous = startedAt;
  for (const sync of syncs(records)) {
    const at = sync[0]?.at ?? previous;
    const load = loadBetween(seconds, previous, at);
    previous = at;
    const cells = services.map((service) => {
      const decision = sync.find((record) => record.service === service)?.decision;
      return decision
        ? `${decision.desiredReplicas} (${percent(decision.utilization).trim()})`
        : "";
    });
    rows.push(
      `| ${((at - startedAt) / 1000).toFixed(0)} | ${Math.round(time.toSimulatedSeconds(at - startedAt))} ` +
        `| ${Number(rateAt(at).toFixed(1))} | ${Math.round(load.calls)} | ${Math.round(load.p99Ms)} | ${load.failed} | ${cells.join(" | ")} |`,
    );
  }
  return rows.join("\n");
}

/** The records grouped by sync: each sync runs every service once, in the same order. */
export function syncs(records: readonly SyncRecord[]): SyncRecord[][] {
  const groups: SyncRecord[][] = [];
  for (const record of records) {
    const last = groups.at(-1);
    if (!last || last.some((r) => r.service === record.service)) groups.push([record]);
    else last.push(record);
  }
  return groups;
}
