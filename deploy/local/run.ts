import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { boolean, integer, port, postgresUrl, readConfig, text } from "../../services/kit/index.js";
import { localBackoff } from "./crash-loop-backoff.js";
import { edgeBanner, startLocalEdge } from "./edge.js";
import {
  type EmbeddedDatabase,
  startEmbeddedPostgres,
  stopLeftoverServer,
} from "./embedded-postgres.js";
import { formatLogLine } from "./log-format.js";
import { type Mesh, type ServiceName, serviceNames, startMesh } from "./mesh.js";
import { type LocalNats, startLocalNats, stopLeftoverNats } from "./nats.js";
import { ensurePageTokenKey } from "./page-token-key.js";
import { checkPortsFree } from "./ports-free.js";
import { RunFile } from "./run-file.js";
import type { SupervisedProcess } from "./supervised-process.js";
import { supervisionLine } from "./supervision-log.js";
import { ensureTrustDomain, keepLeavesFresh } from "./trust-domain.js";
import { cliSetupLines, usageBanner } from "./usage-banner.js";

// `make run`: PostgreSQL (embedded unless every service has a URL) and the three services as
// separate processes on fixed local ports, and the edge in front, until Ctrl-C. A service (or
// the edge) that crashes is restarted.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const optionalUrl = { parse: postgresUrl, default: undefined, secret: true };
let config: ReturnType<typeof readRunnerConfig>;
try {
  config = readRunnerConfig();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exit(2);
}

function readRunnerConfig() {
  return readConfig({
    host: { env: "SHOPMESH_HOST", parse: text, default: "127.0.0.1" },
    userPort: { env: "USER_PORT", parse: port, default: 50051 },
    productPort: { env: "PRODUCT_PORT", parse: port, default: 50052 },
    orderPort: { env: "ORDER_PORT", parse: port, default: 50053 },
    userHealthPort: { env: "USER_HEALTH_PORT", parse: port, default: 50061 },
    productHealthPort: { env: "PRODUCT_HEALTH_PORT", parse: port, default: 50062 },
    orderHealthPort: { env: "ORDER_HEALTH_PORT", parse: port, default: 50063 },
    insecurePlaintext: { env: "INSECURE_PLAINTEXT", parse: boolean, default: false },
    edgePort: { env: "EDGE_PORT", parse: port, default: 8080 },
    postgresPort: { env: "POSTGRES_PORT", parse: integer(1, 65535), default: 54329 },
    natsPort: { env: "NATS_PORT", parse: integer(1, 65535), default: 4222 },
    dataDir: { env: "SHOPMESH_DATA_DIR", parse: text, default: path.join(repoRoot, ".data") },
    user: { env: "USER_DATABASE_URL", ...optionalUrl },
    product: { env: "PRODUCT_DATABASE_URL", ...optionalUrl },
    order: { env: "ORDER_DATABASE_URL", ...optionalUrl },
  });
}

const ports: Record<ServiceName, number> = {
  user: config.userPort,
  product: config.productPort,
  order: config.orderPort,
};
const healthPorts: Record<ServiceName, number> = {
  user: config.userHealthPort,
  product: config.productHealthPort,
  order: config.orderHealthPort,
};
const dataDir = path.resolve(config.dataDir);
const runFile = new RunFile(dataDir);
let database: EmbeddedDatabase | undefined;
let nats: LocalNats | undefined;
let mesh: Mesh | undefined;
let edge: SupervisedProcess | undefined;
let edgeAddress = "";
let stopping = false;

async function stopEverything(exitCode: number): Promise<never> {
  stopping = true;
  await edge?.close();
  await mesh?.stopAll();
  await database?.stop();
  // Last: the services flushed their outbox rounds and acknowledgements to it while stopping.
  await nats?.stop();
  runFile.release();
  process.exit(exitCode);
}

process.on("SIGINT", () => void stopEverything(0));
process.on("SIGTERM", () => void stopEverything(0));

try {
  mkdirSync(dataDir, { recursive: true });
  await runFile.claim((line) => console.log(line));
  const embedded = serviceNames.some((name) => !config[name]);
  // A killed runner's PostgreSQL holds its port: stopped before the ports are checked.
  if (embedded) stopLeftoverServer(path.join(dataDir, "postgres"));
  // So does its nats-server.
  await stopLeftoverNats(path.join(dataDir, "nats"));
  await checkPortsFree([
    ...serviceNames.map((name) => ({
      what: `the ${name} service`,
      host: config.host,
      port: ports[name],
      variable: `${name.toUpperCase()}_PORT`,
    })),
    ...serviceNames.map((name) => ({
      what: `the ${name} service's health port`,
      host: config.host,
      port: healthPorts[name],
      variable: `${name.toUpperCase()}_HEALTH_PORT`,
    })),
    { what: "the edge", host: config.host, port: config.edgePort, variable: "EDGE_PORT" },
    {
      what: "the event broker (nats-server)",
      host: "127.0.0.1",
      port: config.natsPort,
      variable: "NATS_PORT",
    },
    ...(embedded
      ? [
          {
            what: "the embedded PostgreSQL",
            host: "127.0.0.1",
            port: config.postgresPort,
            variable: "POSTGRES_PORT",
          },
        ]
      : []),
  ]);
  // First: the order service's relay and the user service's consumer connect to it at start.
  console.log(`starting nats-server with JetStream (data in ${path.join(dataDir, "nats")}) …`);
  nats = await startLocalNats({
    dir: path.join(dataDir, "nats"),
    host: "127.0.0.1",
    port: config.natsPort,
    // Its start-up banner is noise here; warnings and errors are not.
    onOutput: (line) => {
      if (/\[(WRN|ERR|FTL)\]/.test(line)) console.log(formatLogLine("nats", line));
    },
  });
  const databaseUrls = {} as Record<ServiceName, string>;
  for (const name of serviceNames) {
    const external = config[name];
    if (external) {
      databaseUrls[name] = external;
      continue;
    }
    if (!database) {
      console.log(`starting embedded PostgreSQL (data in ${dataDir}) …`);
      database = await startEmbeddedPostgres({
        dataDir: path.join(dataDir, "postgres"),
        port: config.postgresPort,
        notice: (line) => console.log(line),
      });
    }
    await database.ensureDatabase(`shopmesh_${name}`);
    databaseUrls[name] = database.urlOf(`shopmesh_${name}`);
  }
  // The trust domain: a root, a certificate per service, one for the edge and one for the
  // operator (CLI, grpcurl), and the default policies; renewed while running.
  const trust = await ensureTrustDomain({
    dir: path.join(dataDir, "trust"),
    onNote: (line) => console.error(`trust domain: ${line}`),
  });
  keepLeavesFresh(trust, {
    onRenewed: (names) => console.log(`renewed certificates: ${names.join(", ")}`),
  });
  mesh = await startMesh({
    host: config.host,
    ports,
    healthPorts,
    trust: config.insecurePlaintext ? "plaintext" : trust,
    databaseUrls,
    // A local mesh is for rehearsing outages: `shopmesh faults set` works against it.
    env: {
      FAULT_INJECTION_RUNTIME: process.env.FAULT_INJECTION_RUNTIME || "true",
      NATS_URL: nats.url,
    },
    serviceEnv: { order: { PAGE_TOKEN_KEY_FILE: ensurePageTokenKey(dataDir) } },
    onOutput: (service, line) => console.log(formatLogLine(service, line)),
    restart: localBackoff,
    onUnexpectedExit: (service, exit) => {
      if (!stopping) console.log(supervisionLine(service, { phase: "exited", ...exit }));
    },
    onRestart: (service, event) => {
      // The record first: whoever reads the line may look for the new pid at once.
      if (event.phase === "started") runFile.service(service, event.pid);
      console.log(supervisionLine(service, event));
    },
  });
  for (const name of serviceNames) runFile.service(name, mesh.process(name)?.pid);
  ({ address: edgeAddress, edge } = await startLocalEdge({
    host: config.host,
    port: config.edgePort,
    dataDir: dataDir,
    addresses: mesh.addresses,
    trust: config.insecurePlaintext ? "plaintext" : trust,
    onOutput: (line) => console.log(formatLogLine("edge", line)),
    // Supervised like the services: a crashed edge comes back, the mesh behind it keeps running.
    supervision: {
      restart: localBackoff,
      onUnexpectedExit: (exit) => {
        if (!stopping) console.log(supervisionLine("edge", { phase: "exited", ...exit }));
      },
      onRestart: (event) => {
        if (event.phase === "started") runFile.service("edge", event.pid);
        console.log(supervisionLine("edge", event));
      },
    },
  }));
  runFile.service("edge", edge.child?.pid);
  const cliSetup = cliSetupLines(mesh.addresses, dataDir, path.join(repoRoot, ".data"));
  console.log(
    usageBanner(mesh.addresses, config.insecurePlaintext ? "plaintext" : trust, cliSetup),
  );
  console.log(edgeBanner(edgeAddress));
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : error}`);
  await stopEverything(1);
}
