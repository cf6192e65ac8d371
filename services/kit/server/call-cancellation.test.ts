import { describe, expect, it } from "vitest";
import { RpcError, Status } from "../rpc-error.js";
import { CallCancellation } from "./call-cancellation.js";

describe("CallCancellation", () => {
  const cancelled = new RpcError(Status.CANCELLED, "call cancelled");

  it("aborts a signal asked for before the cancel, with its reason", () => {
    const cancellation = new CallCancellation();
    const { signal } = cancellation;
    expect(signal.aborted).toBe(false);
    cancellation.abort(cancelled);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(cancelled);
  });

  it("hands out an already aborted signal when asked after the cancel", () => {
    const cancellation = new CallCancellation();
    cancellation.abort(cancelled);
    expect(cancellation.aborted).toBe(true);
    expect(cancellation.reason).toBe(cancelled);
    expect(cancellation.signal.aborted).toBe(true);
    expect(cancellation.signal.reason).toBe(cancelled);
  });

  it("keeps the first reason", () => {
    const cancellation = new CallCancellation();
    cancellation.abort(new RpcError(Status.DEADLINE_EXCEEDED, "deadline exceeded"));
    cancellation.abort(cancelled);
    expect(cancellation.reason?.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(cancellation.signal.reason.code).toBe(Status.DEADLINE_EXCEEDED);
  });

  it("calls its listeners once at the cancel, without making a signal; a removed one not", () => {
    const cancellation = new CallCancellation();
    const heard: string[] = [];
    const removed = () => heard.push("removed");
    cancellation.addEventListener("abort", () => heard.push(`kept: ${cancellation.reason?.code}`));
    cancellation.addEventListener("abort", removed);
    cancellation.removeEventListener("abort", removed);
    cancellation.abort(cancelled);
    cancellation.abort(cancelled);
    expect(heard).toEqual([`kept: ${Status.CANCELLED}`]);
    expect(cancellation).not.toHaveProperty("controller", expect.anything());
  });
});
