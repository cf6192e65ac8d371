import { writeFile } from "node:fs/promises";
import os from "node:os";
import { outFile, shape, smoke } from "./bench-shape.js";
import { breakerOverheadMicros } from "./breaker-overhead.js";
import { type CaseResult, markdownTable, ratioLines } from "./report.js";
import { targetRatios } from "./targets.js";

/**
 * Writes the JSON report (machine, shape, results, ratios) and prints the table, the breaker's
 * cost in isolation and the ratios last (the smoke test reads them there).
 */
export async function writeReport(results: CaseResult[], getUserLowRateP50Ms: number) {
  const ratios = targetRatios(results, getUserLowRateP50Ms);
  const breakerMicrosPerCall = await breakerOverheadMicros(smoke ? 10_000 : 200_000);
  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? "?",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
  const report = {
    date: new Date().toISOString(),
    smoke,
    machine,
    shape,
    results,
    getUserLowRateP50Ms,
    breakerMicrosPerCall,
    ratios,
  };
  await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(markdownTable(results));
  console.log(
    `\nmachine: ${machine.cpus} × ${machine.model}, ${machine.memoryGiB} GiB, Node ${machine.node}${smoke ? " (smoke run: numbers mean nothing)" : ""}`,
  );
  console.log(`results: ${outFile}`);
  console.log(`a breaker adds ${breakerMicrosPerCall.toFixed(2)} µs to a call (in isolation)\n`);
  console.log(ratioLines(ratios));
}
