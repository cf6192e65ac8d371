import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CaseResult, Ratio } from "./report.js";

// The benchmark harness end to end, briefly (a third of a second per run), so that it cannot rot
// between benchmark runs. Nothing about speed is asserted here: that is `make bench`'s job. The
// test names no case: every case the bench runs must come out whole and rendered, and every case
// of the last full run (bench/results.json, committed with the figures) must still run. A new
// case needs no edit here; it is required from the full run that first reports it.
const root = path.resolve(import.meta.dirname, "..");
let dir = "";
let stdout = "";
let report: {
  smoke: boolean;
  results: CaseResult[];
  ratios: Ratio[];
  startTimes: { service: string; telemetry: string; wallMs: number[] }[];
  validation: Record<string, number | string>[];
  eventLag: { events: number; p50Ms: number; p99Ms: number };
  handshake: Record<"mtls" | "tcpOnly", { p50Ms: number }>;
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-smoke-"));
  const out = path.join(dir, "results.json");
  ({ stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(root, "dist/bench/run.js"), "--smoke", "--out", out],
    { maxBuffer: 16 << 20 },
  ));
  report = JSON.parse(await readFile(out, "utf8"));
}, 400_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("make bench, smoke run", () => {
  it("runs every case of the last full run", async () => {
    const last = JSON.parse(await readFile(path.join(root, "bench/results.json"), "utf8"));
    expect(last.smoke, "bench/results.json is a full run's").toBe(false);
    const ran = new Set(report.results.map((r) => r.name));
    const missing = (last.results as CaseResult[]).map((r) => r.name).filter((n) => !ran.has(n));
    expect(missing).toEqual([]);
  });

  it("measures each case whole: throughput, latency, server CPU and memory, under one name", () => {
    expect(report.smoke).toBe(true);
    const names = report.results.map((r) => r.name);
    expect(new Set(names).size, "case names are unique").toBe(names.length);
    const incomplete = report.results.filter(
      (r) =>
        !(r.rps > 0) ||
        !(r.cpuMicrosPerRequest > 0) ||
        !Number.isFinite(r.p50Ms) ||
        !(r.p99Ms >= r.p50Ms) ||
        Object.keys(r.peakRssMiB).length === 0,
    );
    expect(incomplete.map((r) => r.name)).toEqual([]);
  });

  it("renders a table row for every case", () => {
    const rows = stdout.split("\n").filter((line) => line.startsWith("| "));
    for (const { name } of report.results) {
      expect(
        rows.filter((row) => row.startsWith(`| ${name} |`)),
        name,
      ).toHaveLength(1);
    }
  });

  it("computes every ratio and prints them last, one line each", () => {
    expect(report.ratios.length).toBeGreaterThan(0);
    const notComputed = report.ratios.filter((r) => !Number.isFinite(r.value));
    expect(notComputed.map((r) => r.name)).toEqual([]);
    const lines = stdout.trim().split("\n").slice(-report.ratios.length);
    expect(lines).toEqual(report.ratios.map((r) => expect.stringContaining(r.name)));
    expect(lines.every((line) => /^(met|MISSED) /.test(line))).toBe(true);
    // Nothing but the ratios after the last one.
    expect(
      stdout
        .trim()
        .split("\n")
        .at(-report.ratios.length - 1),
    ).not.toMatch(/^(met|MISSED) /);
  });

  it("reports start to SERVING, validation, the event lag and the handshakes", () => {
    for (const service of ["user", "product", "order"]) {
      for (const telemetry of ["on", "no SDK"]) {
        const start = report.startTimes.find(
          (s) => s.service === service && s.telemetry === telemetry,
        );
        expect(
          start?.wallMs.every((ms) => ms > 0),
          `${service}, telemetry ${telemetry}`,
        ).toBe(true);
      }
    }
    // Validation per call, three ways, on every message it measures.
    expect(report.validation.length).toBeGreaterThan(0);
    for (const cost of report.validation) {
      for (const way of ["protovalidateMicros", "celOnlyMicros", "oldChecksMicros"]) {
        expect(cost[way], `${JSON.stringify(cost)} ${way}`).toBeGreaterThan(0);
      }
    }
    expect(report.eventLag.events).toBeGreaterThan(0);
    expect(report.eventLag.p99Ms).toBeGreaterThanOrEqual(report.eventLag.p50Ms);
    for (const side of ["mtls", "tcpOnly"] as const) {
      expect(report.handshake[side].p50Ms).toBeGreaterThan(0);
    }
  });
});
