import { toJsonString } from "@bufbuild/protobuf";
import type { CommandLine } from "./command-line.js";
import { storedToken, trustDir } from "./local-files.js";
import { bearer, type MeshAddresses, meshAddresses, meshTransports } from "./mesh-transports.js";
import { type OperatorIdentity, readOperatorIdentity } from "./operator-identity.js";
import type { MeshCommand } from "./printable.js";
import { report } from "./report.js";
import { startCliTracing } from "./tracing.js";

// Each resource's commands in a module of their own, loaded only when the command names it:
// a service's generated descriptors cost start-up time, so a command loads only those it calls.
const resources: Readonly<Record<string, () => Promise<MeshCommand>>> = {
  user: async () => (await import("./user-commands.js")).runUserCommand,
  product: async () => (await import("./product-commands.js")).runProductCommand,
  order: async () => (await import("./order-commands.js")).runOrderCommand,
  health: async () => (await import("./health-check.js")).runHealthCommand,
  faults: async () => (await import("./fault-commands.js")).runFaultCommand,
};

const unknownResource: MeshCommand = async (_transports, line) => {
  throw line.unknownCommand();
};

/**
 * A command that calls the mesh: as the operator (mTLS) or through the edge (the stored token),
 * traced as the root of its trace; prints the response as JSON. Returns the exit code.
 */
export async function runMeshCommand(line: CommandLine): Promise<number> {
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
  const tracing = await startCliTracing();
  let exitCode = 0;
  try {
    const addresses: MeshAddresses = edge
      ? { user: edge, product: edge, order: edge }
      : meshAddresses(line.options);
    const token = edge ? storedToken() : undefined;
    const resource = line.word(0);
    if (resource === "load") {
      await (await import("./load/run-load.js")).runLoad(addresses, identity, tracing, line);
    } else {
      const command = await (resources[resource]?.() ?? unknownResource);
      const transports = meshTransports(addresses, identity, [
        tracing.interceptor,
        ...(token ? [bearer(token)] : []),
      ]);
      const { schema, message } = await tracing.traced(
        `shopmesh ${resource} ${line.word(1)}`,
        (traceId) => {
          // On stderr, so that stdout stays pure JSON: paste the id into Jaeger's search.
          console.error(`trace_id: ${traceId}`);
          return command(transports, line, { viaEdge: edge !== undefined });
        },
      );
      console.log(toJsonString(schema, message, { prettySpaces: 2 }));
    }
  } catch (error) {
    exitCode = await report(error);
  }
  await tracing.shutdown();
  return exitCode;
}
