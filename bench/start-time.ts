import { spawn } from "node:child_process";
import net from "node:net";
import { serviceNames } from "../deploy/local/mesh.js";
import { repoRoot, serviceCommand } from "../deploy/local/service-process.js";
import {
  Health,
  HealthCheckResponse_ServingStatus,
} from "../services/gen/grpc/health/v1/health_pb.js";
import { createServiceClient } from "../services/kit/index.js";
import { chartNodeOptions } from "./chart-settings.js";
import { benchPorts } from "./ports.js";
import { cpuMicros } from "./process-stats.js";
import type { StackContext } from "./stack.js";

/** Start-to-SERVING of one service with one telemetry setting, over several starts. */
export interface StartTime {
  readonly service: string;
  readonly telemetry: "on" | "no SDK";
  /** Wall time from spawn to the health check answering SERVING, each start, ms. */
  readonly wallMs: readonly number[];
  /** CPU time the process had used by then, each start, ms: the part load on the host cannot inflate. */
  readonly cpuMs: readonly number[];
}

const ports = benchPorts.startTime;
const pollMs = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Starts `service` alone as the image does (its bundle, telemetry `--import`ed first, the chart's
 * NODE_OPTIONS), polls its plaintext
 * health port every 5 ms until it answers SERVING, and stops it: what an HPA scale-out waits for.
 */
async function timeOneStart(
  context: StackContext,
  service: (typeof serviceNames)[number],
  env: Record<string, string>,
): Promise<{ wallMs: number; cpuMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, serviceCommand(service, repoRoot), {
    env: {
      ...process.env,
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: String(ports.grpc),
      HEALTH_PORT: String(ports.health),
      DATABASE_URL: context.databaseUrls[service],
      USER_SERVICE_TARGET: "127.0.0.1:1",
      PRODUCT_SERVICE_TARGET: "127.0.0.1:1",
      INSECURE_PLAINTEXT: "true",
      LOG_LEVEL: "info",
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: context.otlpEndpoint,
      OTEL_METRICS_EXPORTER: "prometheus",
      OTEL_EXPORTER_PROMETHEUS_HOST: "127.0.0.1",
      OTEL_EXPORTER_PROMETHEUS_PORT: String(ports.metrics),
      NODE_OPTIONS: chartNodeOptions(service),
      ...env,
    },
    stdio: "ignore",
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    const giveUpAt = Date.now() + 30_000;
    while (!(await connects(ports.health))) {
      if (child.exitCode !== null || Date.now() > giveUpAt)
        throw new Error(`${service} did not start`);
      await sleep(pollMs);
    }
    const health = createServiceClient(Health, {
      dependency: "health",
      target: `127.0.0.1:${ports.health}`,
      timeoutMs: 1_000,
    });
    try {
      for (;;) {
        const status = await health.check({}).then(
          (r) => r.status,
          () => undefined,
        );
        if (status === HealthCheckResponse_ServingStatus.SERVING) break;
        if (Date.now() > giveUpAt) throw new Error(`${service} not SERVING after 30 s`);
        await sleep(pollMs);
      }
    } finally {
      health.close();
    }
    const wallMs = performance.now() - started;
    return { wallMs, cpuMs: cpuMicros(child.pid ?? 0) / 1000 };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

/** Start-to-SERVING of each service, `runs` starts each, with telemetry on and with no SDK. */
export async function measureStartTimes(context: StackContext, runs: number): Promise<StartTime[]> {
  const variants = [
    { telemetry: "on", env: {} },
    { telemetry: "no SDK", env: { OTEL_SDK_DISABLED: "true" } },
  ] as const;
  const results: StartTime[] = [];
  for (const service of serviceNames) {
    for (const { telemetry, env } of variants) {
      const starts = [];
      for (let run = 0; run < runs; run++) starts.push(await timeOneStart(context, service, env));
      results.push({
        service,
        telemetry,
        wallMs: starts.map((s) => Math.round(s.wallMs)),
        cpuMs: starts.map((s) => Math.round(s.cpuMs)),
      });
    }
  }
  return results;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** One line per service and setting: median and range of the wall and CPU time. */
export function startTimeLines(results: readonly StartTime[]): string {
  return results
    .map(
      (r) =>
        `start to SERVING, ${r.service}, telemetry ${r.telemetry}: ${median(r.wallMs)} ms wall (${Math.min(...r.wallMs)}–${Math.max(...r.wallMs)}), ${median(r.cpuMs)} ms CPU (${Math.min(...r.cpuMs)}–${Math.max(...r.cpuMs)})`,
    )
    .join("\n");
}

/** The slowest service's median start-to-SERVING with telemetry on, in seconds. */
export function slowestStartSeconds(results: readonly StartTime[]): number {
  return (
    Math.max(...results.filter((r) => r.telemetry === "on").map((r) => median(r.wallMs))) / 1000
  );
}
