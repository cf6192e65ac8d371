import { writeFile } from "node:fs/promises";
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
}

/**
 * Writes the JSON report (machine, shape, results, ratios) and prints the table, the breaker's
 * cost in isolation and the ratios last (the smoke test reads them there).
 */
export async function writeReport(measured: BenchMeasurements) {
  const { results, getUserLowRateP50Ms, sideRatios, handshake, startTimes, eventLag } = measured;
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
  console.log(`${startTimeLines(startTimes)}\n`);
  console.log(ratioLines(ratios));
}
