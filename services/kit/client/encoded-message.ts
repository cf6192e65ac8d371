/**
 * A response handed back as the bytes the dependency sent, unread: for a caller that only
 * passes it on (the edge), whose protocol path writes the bytes as they are. Decoding it and
 * encoding it again would cost the same message twice for nothing (bench/README.md, "What the
 * edge costs").
 */
export class EncodedMessage {
  constructor(readonly bytes: Buffer) {}
}

/** The deserializer of an encoded call: the bytes, kept. */
export function keepEncoded(bytes: Buffer): EncodedMessage {
  return new EncodedMessage(bytes);
}
