import os from "node:os";
/** What one case measured (medians over the repetitions). */
export interface CaseResult {
  readonly name: string;
  /** Requests per second at saturation. */
  readonly rps: number;
  /** Latency at the fixed rate (see `rate`), in milliseconds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The fixed rate asked for, and whether the case kept up with it. */
  readonly rate: number;
  readonly rateKept: boolean;
  /** Server CPU per request at saturation, all processes of the case together. */
  readonly cpuMicrosPerRequest: number;
  /** Peak resident memory per process, in MiB. */
  readonly peakRssMiB: Readonly<Record<string, number>>;
}

/** A target of the benchmark issue: a ratio and the bound it must meet. */
export interface Ratio {
  readonly name: string;
  readonly value: number;
  readonly target: string;
  readonly met: boolean;
}

const fixed = (value: number, digits = 0) => value.toFixed(digits);

/** The results as a markdown table, one row per case. */
export function markdownTable(results: readonly CaseResult[]): string {
  const rows = results.map((r) =>
    [
      r.name,
      fixed(r.rps),
      `${fixed(r.p50Ms, 2)}${r.rateKept ? "" : "*"}`,
      `${fixed(r.p99Ms, 2)}${r.rateKept ? "" : "*"}`,
      fixed(r.cpuMicrosPerRequest),
      Object.entries(r.peakRssMiB)
        .map(([name, mib]) => `${name} ${fixed(mib)}`)
        .join(", "),
    ].join(" | "),
  );
  return [
    "| case | req/s at saturation | p50 ms | p99 ms | server CPU µs/req | peak RSS MiB |",
    "|---|---|---|---|---|---|",
    ...rows.map((row) => `| ${row} |`),
    "",
    "p50/p99 at the fixed rate given in results.json; * = the case could not keep that rate, so",
    "its latency includes queueing.",
  ].join("\n");
}

/** The ratios, one line each, with the target and whether it is met. */
export function ratioLines(ratios: readonly Ratio[]): string {
  return ratios
    .map(
      (r) =>
        `${r.met ? "met    " : "MISSED "} ${r.name}: ${r.value.toFixed(2)} (target ${r.target})`,
    )
    .join("\n");
}

/** The machine a run measured on, for the report. */
export function thisMachine() {
  return {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? "?",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}
