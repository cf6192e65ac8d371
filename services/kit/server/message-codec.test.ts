import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { UserSchema } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { MalformedMessage, messageCodec } from "./message-codec.js";

const codec = messageCodec(UserSchema);

describe("messageCodec", () => {
  it("round-trips a message", () => {
    const user = create(UserSchema, {
      id: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
      email: "grace@example.com",
      displayName: "Grace Hopper 🚀",
      createTime: timestampFromDate(new Date("2024-05-01T12:00:00.123Z")),
    });
    const bytes = codec.serialize(user);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(codec.deserialize(bytes)).toEqual(user);
  });

  it("serializes a plain init object, filling defaults", () => {
    const decoded = codec.deserialize(codec.serialize({ email: "ada@example.com" }));
    expect(decoded).toEqual(create(UserSchema, { email: "ada@example.com" }));
    expect(decoded).toMatchObject({ id: "", displayName: "" });
  });

  it("reads empty bytes as the default message", () => {
    expect(codec.deserialize(Buffer.alloc(0))).toEqual(create(UserSchema));
  });

  it("reads a Buffer that is a slice of a larger one", () => {
    const bytes = codec.serialize({ email: "ken@example.com" });
    const padded = Buffer.concat([Buffer.from([1, 2, 3]), bytes, Buffer.from([4])]);
    const slice = padded.subarray(3, 3 + bytes.length);
    expect(codec.deserialize(slice)).toMatchObject({ email: "ken@example.com" });
  });

  it.each([
    ["a truncated varint", [0xff, 0xff, 0xff]],
    ["a string longer than the bytes", [0x0a, 0x05, 0x41]],
    ["an illegal tag", [0x07]],
    ["invalid UTF-8 in a string", [0x0a, 0x02, 0xff, 0xfe]],
  ])("returns a MalformedMessage for %s instead of throwing", (_, bytes) => {
    const decoded = codec.deserialize(Buffer.from(bytes));
    expect(decoded).toBeInstanceOf(MalformedMessage);
    expect((decoded as MalformedMessage).reason).not.toBe("");
  });
});
