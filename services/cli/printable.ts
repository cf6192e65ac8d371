import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { CommandLine } from "./command-line.js";
import type { MeshTransports } from "./mesh-transports.js";

/** A response and its schema, so that it can be printed as JSON. */
export interface Printable {
  readonly schema: DescMessage;
  readonly message: MessageShape<DescMessage>;
}

/** Pairs a message with its schema, checked by the type system. */
export function printable<D extends DescMessage>(schema: D, message: MessageShape<D>): Printable {
  return { schema, message };
}

/**
 * One command of a resource (`user get`, `faults set`, …): its calls over `transports`, the
 * response to print. Through the edge (`viaEdge`) the caller is the signed-in end user.
 */
export type MeshCommand = (
  transports: MeshTransports,
  line: CommandLine,
  how: { readonly viaEdge: boolean },
) => Promise<Printable>;
