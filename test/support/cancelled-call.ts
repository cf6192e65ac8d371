import * as grpc from "@grpc/grpc-js";
import { UserService } from "../../services/gen/shopmesh/user/v1/user_service_pb.js";
import { messageCodec } from "../../services/kit/server/message-codec.js";

/**
 * Calls GetUser(`id`) at `address` with a raw grpc-js client (deadline 30 s) and cancels the call
 * once `when` resolves, as a caller that gives up does; resolves with the status it ended with.
 */
export async function getUserCancelledWhen(
  address: string,
  id: string,
  when: Promise<unknown>,
): Promise<grpc.ServiceError | null> {
  const raw = new grpc.Client(address, grpc.credentials.createInsecure());
  const codec = messageCodec(UserService.method.getUser.input);
  try {
    return await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = raw.makeUnaryRequest(
        `/${UserService.typeName}/${UserService.method.getUser.name}`,
        codec.serialize as (message: unknown) => Buffer,
        (bytes: Buffer) => bytes,
        { id },
        { deadline: Date.now() + 30_000 },
        (error) => resolve(error),
      );
      void when.then(() => call.cancel());
    });
  } finally {
    raw.close();
  }
}
