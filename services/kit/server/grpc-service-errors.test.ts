import { describe, expect, it } from "vitest";
import {
  rawUnary,
  serveRecordingUserService,
  userId,
} from "../../../test/support/recording-user-service.js";
import { Health, HealthCheckRequestSchema } from "../../gen/grpc/health/v1/health_pb.js";
import { RpcError, Status } from "../rpc-error.js";
import { messageCodec } from "./message-codec.js";

describe("grpcService on a running server: what a failed call answers", () => {
  const { server, recording } = serveRecordingUserService();

  it("keeps the code and message of a thrown RpcError", async () => {
    const error = await server.users.getUser({ id: "missing" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: Status.NOT_FOUND, message: "user missing not found" });
  });

  it('answers INTERNAL "internal error" for a plain Error, without its message', async () => {
    const error = await server.users.getUser({ id: "bug" }).catch((e: unknown) => e);
    // What the server sent is the cause; the kit's client relays it with its own message.
    expect(error).toMatchObject({
      code: Status.INTERNAL,
      message: "user service failed GetUser (INTERNAL); logged as a bug",
      cause: expect.objectContaining({ details: "internal error" }),
    });
  });

  it("answers UNAVAILABLE for a database that is going away", async () => {
    const error = await server.users.getUser({ id: "database" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: Status.UNAVAILABLE,
      message: "user service unavailable, retry later",
      cause: expect.objectContaining({ details: "database unavailable, retry later" }),
    });
  });

  it("answers INVALID_ARGUMENT to malformed bytes and goes on serving", async () => {
    const path = "/shopmesh.user.v1.UserService/GetUser";
    for (const body of [Buffer.from([0xff, 0xff, 0xff]), Buffer.from([0x0a, 0x05, 0x61])]) {
      const answer = await rawUnary(server.address, path, body);
      expect(answer.code).toBe(Status.INVALID_ARGUMENT);
      expect(answer.details).toMatch(/^request: not a valid message/);
    }
    expect(recording.trail).toEqual([]); // neither interceptors nor the handler saw the garbage
    expect(await server.users.getUser({ id: userId })).toMatchObject({ id: userId });
  });

  it("answers well-formed raw bytes like any client's", async () => {
    const body = messageCodec(HealthCheckRequestSchema).serialize({ service: "" });
    expect(await rawUnary(server.address, `/${Health.typeName}/Check`, body)).toEqual({
      code: Status.OK,
      details: "",
    });
  });
});
