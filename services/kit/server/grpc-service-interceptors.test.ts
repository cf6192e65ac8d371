import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  createTime,
  serveRecordingUserService,
  userId,
} from "../../../test/support/recording-user-service.js";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { UserSchema } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { Status } from "../rpc-error.js";

describe("grpcService on a running server: interceptors and services", () => {
  const { server, recording } = serveRecordingUserService();

  it("answers a call through the interceptors, outermost first", async () => {
    const user = await server.users.getUser({ id: userId });
    expect(user).toEqual(
      create(UserSchema, {
        id: userId,
        email: "grace@example.com",
        displayName: "Grace",
        createTime,
      }),
    );
    expect(recording.trail).toEqual(["outer GetUser", "inner GetUser", "getUser"]);
  });

  it("lets an interceptor refuse a call before the handler runs", async () => {
    const refused = server.users.createUser({ email: "eve@blocked.example", displayName: "Eve" });
    await expect(refused).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
      message: "sign-ups from this domain are closed",
    });
    expect(recording.trail).toEqual(["outer CreateUser", "inner CreateUser"]);

    const allowed = await server.users.createUser({ email: "ada@example.com", displayName: "Ada" });
    expect(allowed).toMatchObject({ id: userId, email: "ada@example.com" });
    expect(recording.trail.at(-1)).toBe("createUser");
  });

  it("answers every method of a second service on the same server", async () => {
    expect(await server.health.check({ service: "" })).toMatchObject({
      status: ServingStatus.SERVING,
    });
  });
});
