import { writeFile } from "node:fs/promises";
import os from "node:os";
import { outFile, shape, smoke } from "./bench-shape.js";
import { breakerOverheadMicros } from "./breaker-overhead.js";
import type { EventLag } from "./event-cases.js";
import type { MtlsCost } from "./mtls-cost.js";
import { type CaseResult, markdownTable, type Ratio, ratioLines, thisMachine } from "./report.js";
import { type StartTime, startTimeLines } from "./start-time.js";
import { targetRatios } from "./targets.js";
import { handshakeLine } from "./tls-handshake.js";
import { validationCost, validationCostLines } from "./validation-cost.js";

/** Everything the run measured. */
export interface BenchMeasurements {
  readonly results: CaseResult[];
  readonly getUserLowRateP50Ms: number;
  /** The edge against direct calls, mTLS against plaintext, from the same run. */
  readonly sideRatios: Ratio[];
  readonly handshake: MtlsCost["handshake"] | undefined;
  /** Start to SERVING of each service, telemetry on and with no SDK. */
  readonly startTimes: readonly StartTime[];
  /** Commit of an order's confirmation → its effect in the user service. */
  readonly eventLag: EventLag | undefined;
  /** Per pair of runs measured in turn, the ratio of each comparison (its spread). */
  readonly pairedRatios: Readonly<Record<string, readonly number[]>>;
  /** The machine's 1-minute load average when the run started (others' work shows here). */
  readonly loadAtStart: number;
}

/**
 * Writes the JSON report (machine, shape, results, ratios) and prints the table, the breaker's
 * cost in isolation and the ratios last (the smoke test reads them there).
 */
export async function writeReport(measured: BenchMeasurements) {
  const { results, getUserLowRateP50Ms, sideRatios, handshake, startTimes, eventLag } = measured;
  const { pairedRatios } = measured;
  const loadAverage = { atStart: measured.loadAtStart, atEnd: os.loadavg()[0] ?? 0 };
  const ratios = [...targetRatios(results, getUserLowRateP50Ms, startTimes), ...sideRatios];
  const breakerMicrosPerCall = await breakerOverheadMicros(smoke ? 10_000 : 200_000);
  const validation = validationCost(smoke ? 1_000 : 100_000);
  const machine = thisMachine();
  const report = {
    date: new Date().toISOString(),
    smoke,
    machine,
    shape,
    results,
    getUserLowRateP50Ms,
    breakerMicrosPerCall,
    validation,
    handshake,
    startTimes,
    eventLag,
    pairedRatios,
    loadAverage,
    ratios,
  };
  await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(markdownTable(results));
  console.log(
    `\nmachine: ${machine.cpus} × ${machine.model}, ${machine.memoryGiB} GiB, Node ${machine.node}${smoke ? " (smoke run: numbers mean nothing)" : ""}`,
  );
  console.log(`results: ${outFile}`);
  console.log(`a breaker adds ${breakerMicrosPerCall.toFixed(2)} µs to a call (in isolation)`);
  console.log(validationCostLines(validation));
  console.log(handshakeLine(handshake));
  if (eventLag) {
    console.log(
      `order event, commit → applied by the user service at ${eventLag.ordersPerSecond} orders/s (${eventLag.events} events): p50 ${eventLag.p50Ms.toFixed(0)} ms, p99 ${eventLag.p99Ms.toFixed(0)} ms, max ${eventLag.maxMs.toFixed(0)} ms`,
    );
  }
  console.log(startTimeLines(startTimes));
  for (const [name, values] of Object.entries(pairedRatios)) {
    console.log(`${name}, each pair of runs: ${values.map((v) => v.toFixed(2)).join(", ")}`);
  }
  console.log(
    `load average (1 min) at start ${loadAverage.atStart.toFixed(1)}, at end ${loadAverage.atEnd.toFixed(1)} on ${machine.cpus} CPUs\n`,
  );
  console.log(ratioLines(ratios));
}
