// Issue #18 item 1, for real: a service process (from dist/) on its own PostgreSQL server, probed
// the way a kubelet probes it with the chart's own liveness and readiness probes. The database is
// stopped for longer than the liveness window: nothing would be restarted, the pod leaves its
// Services while the database is gone, and serves again within seconds of its return.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EmbeddedDatabase,
  startEmbeddedPostgres,
} from "../../deploy/local/embedded-postgres.js";
import { type ServiceProcess, startServiceProcess } from "../../deploy/local/service-process.js";
import { UserService } from "../../services/gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient, Status } from "../../services/kit/index.js";
import { find, render } from "../chart/helm.js";
import { freePort } from "../support/ports.js";
import { type GrpcProbe, startProber } from "./kubelet-prober.js";

// The chart's probes, with periods shortened so that the outage outlasts the liveness window in
// seconds rather than a minute. Which health name each probe asks is the chart's own.
const chartSets = [
  "probes.liveness.periodSeconds=1,probes.liveness.failureThreshold=3",
  "probes.readiness.periodSeconds=1,healthCheckIntervalMs=500",
];

let dataDir: string;
let postgresPort: number;
let database: EmbeddedDatabase | undefined;
let service: ServiceProcess;
let grpcPort: number;
let healthPort: number;
let liveness: GrpcProbe;
let readiness: GrpcProbe;
const output: string[] = [];

beforeAll(async () => {
  const objects = await render({ sets: chartSets });
  const container = find(objects, "Deployment", "shopmesh-user").spec.template.spec.containers[0];
  liveness = container.livenessProbe;
  readiness = container.readinessProbe;
  const env = find(objects, "ConfigMap", "shopmesh-user").data ?? {};

  const folder = await mkdtemp(path.join(os.tmpdir(), "shopmesh-outage-"));
  await chmod(folder, 0o755); // PostgreSQL runs as its own user when the tests run as root
  dataDir = path.join(folder, "data");
  postgresPort = await freePort();
  database = await startEmbeddedPostgres({ dataDir, port: postgresPort });
  await database.ensureDatabase("shopmesh_user");
  // The database URL reaches the service as a file, as the chart mounts its Secret.
  const urlFile = path.join(folder, "database-url");
  await writeFile(urlFile, `${database.urlOf("shopmesh_user")}\n`, { mode: 0o600 });

  grpcPort = await freePort();
  healthPort = await freePort();
  service = await startServiceProcess({
    name: "user",
    address: `127.0.0.1:${grpcPort}`,
    env: {
      ...process.env,
      GRPC_HOST: env.GRPC_HOST, // "::": dual stack
      GRPC_PORT: String(grpcPort),
      DATABASE_URL_FILE: urlFile,
      HEALTH_CHECK_INTERVAL_MS: env.HEALTH_CHECK_INTERVAL_MS,
      // The chart's probes go to the plaintext health-only port, as here. The test's own calls
      // need no identity: what is under test is the database outage, not the transport.
      HEALTH_PORT: String(healthPort),
      INSECURE_PLAINTEXT: "true",
      LOG_LEVEL: "info",
    },
    onOutput: (line) => output.push(line),
  });
});

afterAll(async () => {
  await service?.stop();
  await database?.stop();
  if (dataDir) await rm(path.dirname(dataDir), { recursive: true, force: true });
});

describe("a service under the chart's probes", () => {
  it("listens on :: and answers over IPv4 and IPv6", async () => {
    for (const host of ["127.0.0.1", "[::1]"]) {
      const prober = startProber(`${host}:${grpcPort}`, readiness);
      try {
        await prober.until(true);
      } finally {
        prober.stop();
      }
    }
  });

  it("survives a database outage longer than the liveness window and serves again within seconds of its return", async () => {
    expect(liveness.grpc.service, "liveness must not ask the database-bound name").not.toBe("");
    const address = `127.0.0.1:${grpcPort}`;
    const live = startProber(`127.0.0.1:${healthPort}`, liveness);
    const ready = startProber(`127.0.0.1:${healthPort}`, readiness);
    const users = createServiceClient(UserService, {
      dependency: "user service",
      target: address,
      timeoutMs: 2_000,
    });
    const pid = service.child.pid;
    try {
      await ready.until(true);
      expect((await users.listUsers({})).users).toEqual([]);

      await database?.stop();
      database = undefined;
      const stoppedAt = Date.now();
      await ready.until(false); // the pod leaves its Services' endpoints
      await expect(users.listUsers({})).rejects.toMatchObject({ code: Status.UNAVAILABLE });
      // Outlast the liveness window: failureThreshold probes in a row, and two more.
      await live.afterProbes(liveness.failureThreshold + 2);
      const windowMs = liveness.periodSeconds * liveness.failureThreshold * 1000;
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(windowMs);
      expect(live.tripped, "the kubelet would have restarted the container").toBe(0);
      expect(live.passing).toBe(true);
      expect(service.child.exitCode).toBeNull();

      database = await startEmbeddedPostgres({ dataDir, port: postgresPort });
      const backAt = Date.now();
      await ready.until(true);
      const resumedMs = Date.now() - backAt;
      expect((await users.listUsers({})).users).toEqual([]);
      // Within seconds: a database check interval plus a readiness period, with room for a busy
      // machine; never the minutes of a crash-loop back-off.
      expect(resumedMs).toBeLessThan(10_000);
      expect(live.tripped).toBe(0);
      expect(service.child.pid).toBe(pid);
      expect(output.join("\n")).toContain("database unreachable: not serving");
    } finally {
      live.stop();
      ready.stop();
      users.close();
    }
  }, 60_000);
});
