import { Writable } from "node:stream";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { metrics } from "@opentelemetry/api";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { BreakerRegistry } from "../client/circuit-breaker.js";
import { createServiceClient, type ServiceClient } from "../client/service-client.js";
import { RpcError, Status } from "../rpc-error.js";
import { createLogger } from "../telemetry/logger.js";
import { instrumentService } from "../telemetry/metrics.js";
import { callLogger } from "./call-logger.js";
import { type RunningServer, startGrpcServer } from "./grpc-server.js";
import { type CallOutcome, grpcService } from "./grpc-service.js";
import { HealthRegistry } from "./health.js";

// Item 7 of issue 11: logs and metrics record the status the client received, also when grpc-js
// (not the handler) decided it: a response over the send limit, an answer after the deadline.

const maxBytes = 1024;
const createTime = timestampFromDate(new Date("2024-05-01T12:00:00Z"));

const outcomes: CallOutcome[] = [];
const logLines: { level: string; code: string; msg: string }[] = [];
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
let server: RunningServer;
let users: ServiceClient<typeof UserService>;

beforeAll(async () => {
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  const logs = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logCall = callLogger(pino({ formatters: { level: (label) => ({ level: label }) } }, logs));
  const breakers = new BreakerRegistry(
    {
      errorThresholdPercent: 50,
      volumeThreshold: 5,
      rollingWindowMs: 1_000,
      resetTimeoutMs: 1_000,
    },
    createLogger("test", "silent"),
  );
  const measureCall = instrumentService({ breakers, inFlight: () => 0 });
  const observer = (outcome: CallOutcome) => {
    outcomes.push(outcome);
    logCall(outcome);
    measureCall(outcome);
  };
  const service = grpcService(
    UserService,
    {
      // A page of users whose names make it larger than the send limit.
      getCurrentUser: async () => {
        throw new Error("not called");
      },
      updateUser: async () => {
        throw new RpcError(Status.UNIMPLEMENTED, "not here");
      },
      listUsers: async ({ pageSize }) => ({
        users: Array.from({ length: pageSize }, (_, i) => ({
          id: `user-${i}`,
          email: `user${i}@example.com`,
          displayName: "x".repeat(100),
          createTime,
        })),
        nextPageToken: "",
      }),
      // Answers OK, but only after its caller's deadline has passed.
      getUser: async (request, context) => {
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
        return { id: request.id, email: "late@example.com", displayName: "Late", createTime };
      },
      createUser: async () => ({ id: "u", email: "e@example.com", displayName: "E", createTime }),
    },
    { observer, maxResponseBytes: maxBytes },
  );
  server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services: [service],
    health: new HealthRegistry([]),
    maxMessageBytes: maxBytes,
    maxConnectionAgeMs: 60_000,
    maxConnectionAgeGraceMs: 1_000,
  });
  users = createServiceClient(UserService, {
    dependency: "user service",
    target: `127.0.0.1:${server.port}`,
    timeoutMs: 5_000,
  });
  breakers.shutdown();
});

afterAll(async () => {
  users.close();
  await server.drain(1_000);
  await reader.shutdown();
  metrics.disable();
});

/** Calls counted by `rpc.server.call.duration` per status name. */
async function countedCalls(): Promise<Record<string, number>> {
  await reader.forceFlush();
  const counts: Record<string, number> = {};
  for (const resource of exporter.getMetrics()) {
    for (const scope of resource.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== "rpc.server.call.duration") continue;
        for (const point of metric.dataPoints) {
          const status = String(point.attributes["rpc.grpc.status"]);
          counts[status] = (point.value as { count: number }).count;
        }
      }
    }
  }
  exporter.reset();
  return counts;
}

describe("the status recorded for a call", () => {
  it("is RESOURCE_EXHAUSTED for a response over the send limit, as the client sees it", async () => {
    // Small enough to send: recorded as OK.
    expect((await users.listUsers({ pageSize: 1 })).users).toHaveLength(1);
    const error = await users.listUsers({ pageSize: 50 }).catch((e: unknown) => e);
    // What the server sent (the kit's client relays it as UNAVAILABLE, keeping it as the cause).
    expect((error as Error).cause).toMatchObject({ code: Status.RESOURCE_EXHAUSTED });
    expect(outcomes.slice(-2).map((outcome) => outcome.code)).toEqual([
      Status.OK,
      Status.RESOURCE_EXHAUSTED,
    ]);
    expect(outcomes.at(-1)?.error?.message).toMatch(/^response larger than max \(\d+ vs\. 1024/);
    const line = logLines.at(-1);
    expect(line).toMatchObject({ code: "RESOURCE_EXHAUSTED", level: "warn" });
    expect(await countedCalls()).toMatchObject({ OK: 1, RESOURCE_EXHAUSTED: 1 });
  });

  it("is DEADLINE_EXCEEDED for an answer that came after the deadline", async () => {
    const late = users.getUser({ id: "late" }, { timeoutMs: 200 });
    await expect(late).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
    await expect.poll(() => outcomes.at(-1)?.method).toBe("/shopmesh.user.v1.UserService/GetUser");
    expect(outcomes.at(-1)?.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(logLines.at(-1)).toMatchObject({ code: "DEADLINE_EXCEEDED", level: "warn" });
    expect(await countedCalls()).toMatchObject({ DEADLINE_EXCEEDED: 1 });
  });
});
