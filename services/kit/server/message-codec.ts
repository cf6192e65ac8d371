import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";

/**
 * A request whose bytes were not valid protobuf. grpc-js answers a throwing deserializer with
 * INTERNAL; returning this marker instead lets the adapter answer INVALID_ARGUMENT, the caller's
 * mistake that it is.
 */
export class MalformedMessage {
  constructor(readonly reason: string) {}
}

/** Serializer and deserializer of one message type, in the shape grpc-js expects. */
export interface MessageCodec<Desc extends DescMessage> {
  serialize(message: MessageInitShape<Desc>): Buffer;
  deserialize(bytes: Buffer): MessageShape<Desc> | MalformedMessage;
}

/** The codec of a generated message schema. */
export function messageCodec<Desc extends DescMessage>(schema: Desc): MessageCodec<Desc> {
  return {
    serialize(message) {
      // create() returns an existing message unchanged and fills defaults into a plain init.
      const bytes = toBinary(schema, create(schema, message));
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize(bytes) {
      try {
        return fromBinary(schema, bytes);
      } catch (error) {
        return new MalformedMessage(error instanceof Error ? error.message : String(error));
      }
    },
  };
}
