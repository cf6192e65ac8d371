import type { DescMessage, MessageShape } from "@bufbuild/protobuf";

/** A response and its schema, so that it can be printed as JSON. */
export interface Printable {
  readonly schema: DescMessage;
  readonly message: MessageShape<DescMessage>;
}

/** Pairs a message with its schema, checked by the type system. */
export function printable<D extends DescMessage>(schema: D, message: MessageShape<D>): Printable {
  return { schema, message };
}
