import { describe, expect, it } from "vitest";
import {
  bug,
  rawUnary,
  serveRecordingUserService,
  userId,
} from "../../../test/support/recording-user-service.js";
import { Status } from "../rpc-error.js";

describe("grpcService on a running server: the observer", () => {
  const { server, recording } = serveRecordingUserService();

  it("tells the observer the method and code of every call", async () => {
    await server.users.getUser({ id: userId });
    await server.users.getUser({ id: "missing" }).catch(() => {});
    await server.users.getUser({ id: "bug" }).catch(() => {});
    await rawUnary(server.address, "/shopmesh.user.v1.UserService/ListUsers", Buffer.from([0xff]));
    const path = (method: string) => `/shopmesh.user.v1.UserService/${method}`;
    expect(recording.outcomes.map(({ method, code }) => ({ method, code }))).toEqual([
      { method: path("GetUser"), code: Status.OK },
      { method: path("GetUser"), code: Status.NOT_FOUND },
      { method: path("GetUser"), code: Status.INTERNAL },
      { method: path("ListUsers"), code: Status.INVALID_ARGUMENT },
    ]);
    const [ok, notFoundOutcome, internal] = recording.outcomes;
    expect(ok?.error).toBeUndefined();
    expect(notFoundOutcome?.error?.message).toBe("user missing not found");
    expect(internal?.error?.cause).toBe(bug); // the log gets what the caller does not
  });

  it("tells the observer how long the call took, in milliseconds", async () => {
    let release = () => {};
    recording.heldRelease = new Promise((resolve) => {
      release = resolve;
    });
    const started = new Promise<number>((resolve) => {
      recording.heldStarted = resolve;
    });
    const sentAt = performance.now();
    const call = server.users.getUser({ id: "held" });
    const handlerStartedAt = await started;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the handler's work: a slow query
    const releasedAt = performance.now();
    release();
    await call;
    const answeredAt = performance.now();
    expect(recording.outcomes).toHaveLength(1);
    // At least the handler's own time, at most what the caller waited (one clock: in-process).
    expect(recording.outcomes[0]?.durationMs).toBeGreaterThanOrEqual(releasedAt - handlerStartedAt);
    expect(recording.outcomes[0]?.durationMs).toBeLessThanOrEqual(answeredAt - sentAt);
  });
});
