#!/usr/bin/env node
import path from "node:path";
import { toJsonString } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { CommandLine, UsageError, usage } from "./command-line.js";
import { errorReport } from "./error-report.js";
import { runEventsTail } from "./events-tail.js";
import { runFaultCommand } from "./fault-commands.js";
import { runLoad } from "./load/run-load.js";
import { dataDir, devLogin, storedToken } from "./login.js";
import { bearer, type MeshAddresses, meshAddresses, meshClients } from "./mesh-clients.js";
import { type OperatorIdentity, readOperatorIdentity } from "./operator-identity.js";
import { runShopCommand } from "./shop-commands.js";
import { startCliTracing } from "./tracing.js";

/** Prints `error` as the one line a person reads (never a stack trace); returns the exit code. */
function report(error: unknown): number {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message} (shopmesh --help lists the commands and options)`);
    return 2;
  }
  if (error instanceof ConnectError) {
    for (const line of errorReport(error)) console.error(line);
    return 1;
  }
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}

// Whatever escapes (a bug of ours) still ends as one line and a non-zero exit.
process.on("uncaughtException", (error) => process.exit(report(error)));
process.on("unhandledRejection", (error) => process.exit(report(error)));

/** The operator's trust files: --trust-dir, else SHOPMESH_TRUST_DIR, else `make run`'s. */
function trustDir(flag: string | undefined, env = process.env): string {
  return flag ?? env.SHOPMESH_TRUST_DIR ?? path.join(dataDir(), "trust");
}

async function main(): Promise<number> {
  let line: CommandLine;
  try {
    line = new CommandLine(process.argv.slice(2));
  } catch (error) {
    return report(error);
  }
  if (line.options.help) {
    console.log(usage);
    return 0;
  }
  if (line.word(0) === "login") {
    // Only the token on stdout, so that TOKEN=$(shopmesh login …) works.
    console.log(await devLogin(line.required("email"), line.options.admin));
    // The edge's port is make run's EDGE_PORT (8080 unless set), which the CLI cannot know.
    const at = line.options.edge || process.env.SHOPMESH_EDGE_ADDRESS;
    console.error(
      `token stored; call through the edge with --edge ${at || "localhost:8080 (make run's default; it prints the edge's address)"}`,
    );
    return 0;
  }
  if (line.word(0) === "events") {
    try {
      return await runEventsTail(line);
    } catch (error) {
      return report(error);
    }
  }
  const edge = line.options.edge || process.env.SHOPMESH_EDGE_ADDRESS || undefined;
  // The edge is the public door: end users reach it with a token, not the operator certificate.
  let identity: OperatorIdentity | "plaintext" = "plaintext";
  if (!line.options.plaintext && !edge) {
    try {
      identity = readOperatorIdentity(trustDir(line.options["trust-dir"]));
    } catch (error) {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
  }
  const tracing = startCliTracing();
  let exitCode = 0;
  try {
    const addresses: MeshAddresses = edge
      ? { user: edge, product: edge, order: edge }
      : meshAddresses(line.options);
    const token = edge ? storedToken() : undefined;
    const resource = line.word(0);
    if (resource === "load") {
      await runLoad(addresses, identity, tracing, line);
    } else {
      const clients = meshClients(addresses, identity, [
        tracing.interceptor,
        ...(token ? [bearer(token)] : []),
      ]);
      const { schema, message } = await tracing.traced(
        `shopmesh ${resource} ${line.word(1)}`,
        (traceId) => {
          // On stderr, so that stdout stays pure JSON: paste the id into Jaeger's search.
          console.error(`trace_id: ${traceId}`);
          return resource === "faults"
            ? runFaultCommand(clients, line)
            : runShopCommand(clients, line, { viaEdge: edge !== undefined });
        },
      );
      console.log(toJsonString(schema, message, { prettySpaces: 2 }));
    }
  } catch (error) {
    exitCode = report(error);
  }
  await tracing.shutdown();
  return exitCode;
}

// Exit at once: open HTTP/2 sessions and exporter timers must not keep a finished command alive.
process.exit(await main());
