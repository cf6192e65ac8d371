import { createClient } from "@connectrpc/connect";
import {
  ListUsersResponseSchema,
  UserSchema,
  UserService,
} from "../gen/shopmesh/user/v1/user_service_pb.js";
import { type MeshCommand, printable as out } from "./printable.js";

/** `user create|update|get|list`: one call to the user service each. */
export const runUserCommand: MeshCommand = async (transports, line) => {
  const users = createClient(UserService, transports.user);
  switch (line.word(1)) {
    case "create":
      return out(
        UserSchema,
        await users.createUser({
          email: line.required("email"),
          displayName: line.required("name"),
          requestId: line.options["request-id"] ?? "",
        }),
      );
    case "update": {
      const user = { id: line.argument(2, "ID"), displayName: line.required("name") };
      return out(
        UserSchema,
        await users.updateUser({
          user: { ...user, etag: line.options.etag },
          updateMask: { paths: ["display_name"] },
        }),
      );
    }
    case "get":
      return out(UserSchema, await users.getUser({ id: line.argument(2, "ID") }));
    case "list":
      return out(ListUsersResponseSchema, await users.listUsers(line.page()));
    default:
      throw line.unknownCommand();
  }
};
