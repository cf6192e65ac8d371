import { writeFile } from "node:fs/promises";
import { outFile, shape, smoke } from "./bench-shape.js";
import { breakerOverheadMicros } from "./breaker-overhead.js";
import type { MtlsCost } from "./mtls-cost.js";
import { type CaseResult, markdownTable, type Ratio, ratioLines, thisMachine } from "./report.js";
import { targetRatios } from "./targets.js";
import { handshakeLine } from "./tls-handshake.js";

/** Everything the run measured. */
export interface BenchMeasurements {
  readonly results: CaseResult[];
  readonly getUserLowRateP50Ms: number;
  /** The edge against direct calls, mTLS against plaintext, from the same run. */
  readonly sideRatios: Ratio[];
  readonly handshake: MtlsCost["handshake"] | undefined;
}

/**
 * Writes the JSON report (machine, shape, results, ratios) and prints the table, the breaker's
 * cost in isolation and the ratios last (the smoke test reads them there).
 */
export async function writeReport(measured: BenchMeasurements) {
  const { results, getUserLowRateP50Ms, sideRatios, handshake } = measured;
  const ratios = [...targetRatios(results, getUserLowRateP50Ms), ...sideRatios];
  const breakerMicrosPerCall = await breakerOverheadMicros(smoke ? 10_000 : 200_000);
  const machine = thisMachine();
  const report = {
    date: new Date().toISOString(),
    smoke,
    machine,
    shape,
    results,
    getUserLowRateP50Ms,
    breakerMicrosPerCall,
    handshake,
    ratios,
  };
  await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(markdownTable(results));
  console.log(
    `\nmachine: ${machine.cpus} × ${machine.model}, ${machine.memoryGiB} GiB, Node ${machine.node}${smoke ? " (smoke run: numbers mean nothing)" : ""}`,
  );
  console.log(`results: ${outFile}`);
  console.log(`a breaker adds ${breakerMicrosPerCall.toFixed(2)} µs to a call (in isolation)`);
  console.log(`${handshakeLine(handshake)}\n`);
  console.log(ratioLines(ratios));
}
