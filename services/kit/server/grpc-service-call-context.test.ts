import { describe, expect, it } from "vitest";
import { serveRecordingUserService, userId } from "../../../test/support/recording-user-service.js";
import { Status } from "../rpc-error.js";

describe("grpcService on a running server: the handler's call context", () => {
  const { server, recording } = serveRecordingUserService();

  it("gives the handler the method path, the caller's deadline and a live signal", async () => {
    await server.users.getUser({ id: userId });
    expect(recording.lastContext).toMatchObject({
      method: "/shopmesh.user.v1.UserService/GetUser",
    });
    expect(Number.isFinite(recording.lastContext?.deadline)).toBe(true);
    expect(recording.abortedWhileHandling).toBe(false);
  });

  // CallContext.signal is documented as aborted when the caller cancels or the deadline passes;
  // grpc-js emits "cancelled" whenever the HTTP/2 stream closes, after a normal end too.
  it("does not abort the signal of a call that ended normally", async () => {
    await server.users.getUser({ id: userId });
    const succeeded = recording.lastContext;
    await server.users.getUser({ id: "missing" }).catch(() => {});
    const failed = recording.lastContext;
    await server.users.listUsers({}); // a later call on the same connection: both streams are closed
    expect(succeeded?.signal.aborted).toBe(false);
    expect(failed?.signal.aborted).toBe(false);
  });

  it("aborts the handler's signal when the caller's deadline passes", async () => {
    const call = server.users.getUser({ id: "wait" }, { timeoutMs: 500 });
    await expect(call).rejects.toMatchObject({
      code: Status.DEADLINE_EXCEEDED,
      message: "user service did not answer GetUser in time",
    });
    // The server's deadline timer or the client's cancel at the same instant may land first.
    expect([Status.DEADLINE_EXCEEDED, Status.CANCELLED]).toContain(
      ((await recording.waitAborted) as { code: Status }).code,
    );
  });
});
