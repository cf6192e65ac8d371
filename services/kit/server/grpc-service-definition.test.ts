import { describe, expect, it } from "vitest";
import { userHandlers } from "../../../test/support/recording-user-service.js";
import { UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { grpcService, type ServiceHandlers } from "./grpc-service.js";

describe("grpcService", () => {
  it("refuses a handler set that lacks a method", () => {
    const { listUsers: _, ...incomplete } = userHandlers;
    expect(() =>
      grpcService(UserService, incomplete as ServiceHandlers<typeof UserService>),
    ).toThrow("shopmesh.user.v1.UserService: no handler for ListUsers");
  });

  it("names each method by its full path", () => {
    const service = grpcService(UserService, userHandlers);
    expect(service.typeName).toBe("shopmesh.user.v1.UserService");
    expect(Object.values(service.definition).map((method) => method.path)).toEqual([
      "/shopmesh.user.v1.UserService/CreateUser",
      "/shopmesh.user.v1.UserService/UpdateUser",
      "/shopmesh.user.v1.UserService/GetUser",
      "/shopmesh.user.v1.UserService/ListUsers",
      "/shopmesh.user.v1.UserService/GetCurrentUser",
    ]);
  });
});
