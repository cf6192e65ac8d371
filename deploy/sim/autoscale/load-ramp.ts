import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import type { MeshAddresses } from "../../../services/cli/mesh-clients.js";
import { repoRoot } from "../../local/service-process.js";

/** One `shopmesh load` process of the ramp: `rate` journeys/s from `startS` for `durationS`. */
export interface LoadStage {
  readonly startS: number;
  readonly durationS: number;
  readonly rate: number;
}

/** One second of one load process, as its per-second line reports it. */
export interface LoadSecond {
  /** Date.now() when the line arrived. */
  readonly at: number;
  readonly stage: number;
  readonly journeys: number;
  readonly calls: number;
  readonly p99Ms: number;
  /** Failed calls in that second. */
  readonly failed: number;
  readonly errors: string;
}

/** A ramp under way: the seconds reported so far, and the end of every process. */
export interface LoadRamp {
  readonly seconds: LoadSecond[];
  /** Failed calls per process, from each summary (includes journeys that ended after the last line). */
  readonly failedTotals: number[];
  /** Each process's exit code once it ended (null: killed by a signal; undefined: never ran). */
  readonly exitCodes: (number | null | undefined)[];
  /** Journeys/s asked for at `at` (sum of the stages running then). */
  rateAt(at: number): number;
  /** Resolves when every process has printed its summary and exited. */
  readonly done: Promise<void>;
  /** Stops the processes still running (Ctrl-C, as a person would). */
  stop(): Promise<void>;
}

const secondLine =
  /^\s*\d+s\s+journeys (\d+)\/s\s+calls (\d+)\/s\s+p50 [\d.]+ ms\s+p99 ([\d.]+) ms\s+errors: (.*)$/;
const summaryErrors = /^\s*errors by code: (.*)$/;

/** Failed calls in an `errors:` text: `none`, or `UNAVAILABLE 3, DEADLINE_EXCEEDED 1`. */
export function failedCalls(text: string): number {
  let failed = 0;
  for (const match of text.matchAll(/[A-Z_]+ (\d+)/g)) failed += Number(match[1]);
  return failed;
}

/**
 * Runs `shopmesh load` (the CLI, open loop) once per stage, each started at its time with its own
 * --rate and --duration: overlapping stages add up to a ramp. Each process dials `addresses`
 * with the operator certificate from `trustDir`; its lines go to `onLine`.
 */
export function startLoadRamp(options: {
  readonly stages: readonly LoadStage[];
  readonly addresses: MeshAddresses;
  readonly trustDir: string;
  readonly onLine?: (stage: number, line: string) => void;
}): LoadRamp {
  const started = Date.now();
  const seconds: LoadSecond[] = [];
  const failedTotals = options.stages.map(() => 0);
  const exitCodes: (number | null | undefined)[] = options.stages.map(() => undefined);
  const children = new Set<ReturnType<typeof spawn>>();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  const cli = path.join(repoRoot, "dist", "services", "cli", "main.js");
  const run = (stage: LoadStage, index: number) =>
    new Promise<void>((resolve) => {
      timers.push(
        setTimeout(() => {
          if (stopped) return resolve();
          const child = spawn(
            process.execPath,
            [cli, "load", "--rate", String(stage.rate), "--duration", `${stage.durationS}s`],
            {
              env: {
                ...process.env,
                SHOPMESH_TRUST_DIR: options.trustDir,
                SHOPMESH_USER_ADDRESS: options.addresses.user,
                SHOPMESH_PRODUCT_ADDRESS: options.addresses.product,
                SHOPMESH_ORDER_ADDRESS: options.addresses.order,
                // No collector here: exporting would add seconds at every exit.
                OTEL_TRACES_EXPORTER: "none",
              },
              stdio: ["ignore", "pipe", "pipe"],
            },
          );
          children.add(child);
          const lines = (stream: NodeJS.ReadableStream) =>
            createInterface({ input: stream }).on("line", (line) => {
              options.onLine?.(index, line);
              const second = secondLine.exec(line);
              if (second) {
                const [, journeys, calls, p99, errors = ""] = second;
                const text = errors.replace(/\s+skipped.*$/, "");
                seconds.push({
                  at: Date.now(),
                  stage: index,
                  journeys: Number(journeys),
                  calls: Number(calls),
                  p99Ms: Number(p99),
                  failed: failedCalls(text),
                  errors: text,
                });
              }
              const summary = summaryErrors.exec(line);
              if (summary) failedTotals[index] = failedCalls(summary[1] ?? "");
            });
          if (child.stdout) lines(child.stdout);
          if (child.stderr) lines(child.stderr);
          child.once("exit", (code) => {
            exitCodes[index] = code;
            children.delete(child);
            resolve();
          });
        }, stage.startS * 1000),
      );
    });
  const done = Promise.all(options.stages.map(run)).then(() => undefined);
  return {
    seconds,
    failedTotals,
    exitCodes,
    rateAt: (at) => {
      const s = (at - started) / 1000;
      return options.stages
        .filter((stage) => s >= stage.startS && s < stage.startS + stage.durationS)
        .reduce((sum, stage) => sum + stage.rate, 0);
    },
    done,
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      for (const child of children) child.kill("SIGINT");
      await done;
    },
  };
}

/**
 * A ramp as overlapping stages: `base` journeys/s throughout (`totalS`), plus `steps` stages of
 * (peak − base) / steps journeys/s started `stepS` apart, all ending together after `holdS` at
 * the peak; the base load goes on over the scale-in.
 */
export function rampStages(shape: {
  readonly base: number;
  readonly peak: number;
  readonly steps: number;
  readonly stepS: number;
  readonly holdS: number;
  readonly totalS: number;
}): LoadStage[] {
  const { base, peak, steps, stepS, holdS, totalS } = shape;
  const end = steps * stepS + holdS;
  const step = (peak - base) / steps;
  return [
    { startS: 0, durationS: totalS, rate: base },
    ...Array.from({ length: steps }, (_, n) => ({
      startS: (n + 1) * stepS,
      durationS: end - (n + 1) * stepS,
      rate: step,
    })),
  ];
}
