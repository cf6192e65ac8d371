import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it, vi } from "vitest";
import { UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import type { CallContext } from "../call-context.js";
import { RpcError, Status } from "../rpc-error.js";
import type { UnaryCall } from "./grpc-service.js";
import { loadShedding } from "./load-shedding.js";

const getUser = UserService.method.getUser;
const createUser = UserService.method.createUser;
const busy = "server busy: 2 calls in flight (limit 2); retry with backoff";

function context(): CallContext {
  return {
    method: "/shopmesh.user.v1.UserService/GetUser",
    metadata: new Metadata(),
    deadline: Infinity,
    signal: new AbortController().signal,
  };
}

/** A handler whose calls stay in flight until the test answers them, in any order. */
function heldHandler() {
  const pending = new Map<string, { answer: () => void; fail: (error: Error) => void }>();
  const next = vi.fn<UnaryCall>(
    (request) =>
      new Promise((resolve, reject) => {
        const { id } = request as { id: string };
        pending.set(id, { answer: () => resolve({ id }), fail: reject });
      }),
  );
  const held = (id: string) => {
    const call = pending.get(id);
    if (!call) throw new Error(`no call ${id} in flight`);
    return call;
  };
  return {
    next,
    answer: (id: string) => held(id).answer(),
    fail: (id: string, error: Error) => held(id).fail(error),
  };
}

describe("loadShedding", () => {
  it("refuses a call beyond the limit at once, before any work", async () => {
    const { interceptor, inFlight } = loadShedding(2);
    const handler = heldHandler();
    const call = interceptor(handler.next, getUser);

    expect(inFlight()).toBe(0);
    const first = call({ id: "a" }, context());
    const second = call({ id: "b" }, context());
    expect(inFlight()).toBe(2);

    const error = await call({ id: "c" }, context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: Status.RESOURCE_EXHAUSTED, message: busy });
    expect(handler.next).toHaveBeenCalledTimes(2);
    expect(inFlight()).toBe(2);

    handler.answer("a");
    expect(await first).toEqual({ id: "a" });
    expect(inFlight()).toBe(1);
    handler.answer("b");
    expect(await second).toEqual({ id: "b" });
    expect(inFlight()).toBe(0);
  });

  it("accepts calls again once earlier ones finish", async () => {
    const { interceptor, inFlight } = loadShedding(2);
    const handler = heldHandler();
    const call = interceptor(handler.next, getUser);
    const first = call({ id: "a" }, context());
    const second = call({ id: "b" }, context());
    await expect(call({ id: "c" }, context())).rejects.toMatchObject({
      code: Status.RESOURCE_EXHAUSTED,
    });

    handler.answer("b");
    await second;
    const third = call({ id: "d" }, context());
    expect(inFlight()).toBe(2);
    await expect(call({ id: "e" }, context())).rejects.toMatchObject({ message: busy });

    handler.answer("a");
    handler.answer("d");
    expect(await Promise.all([first, third])).toEqual([{ id: "a" }, { id: "d" }]);
    expect(inFlight()).toBe(0);
    expect(handler.next.mock.calls.map(([request]) => request)).toEqual([
      { id: "a" },
      { id: "b" },
      { id: "d" },
    ]);
  });

  it("frees the slot of a call whose handler rejects", async () => {
    const { interceptor, inFlight } = loadShedding(2);
    const handler = heldHandler();
    const call = interceptor(handler.next, getUser);
    const first = call({ id: "a" }, context());
    const second = call({ id: "b" }, context());

    const failure = new RpcError(Status.NOT_FOUND, "user b not found");
    handler.fail("b", failure);
    await expect(second).rejects.toBe(failure); // the handler's error, unchanged
    expect(inFlight()).toBe(1);

    const third = call({ id: "c" }, context());
    expect(inFlight()).toBe(2);
    handler.answer("a");
    handler.answer("c");
    await Promise.all([first, third]);
    expect(inFlight()).toBe(0);
  });

  it("frees the slot of a call whose handler throws synchronously", async () => {
    const { interceptor, inFlight } = loadShedding(1);
    const bug = new Error("cannot read properties of undefined");
    const throwing: UnaryCall = () => {
      throw bug;
    };
    const call = interceptor(throwing, getUser);
    await expect(call({}, context())).rejects.toBe(bug);
    await expect(call({}, context())).rejects.toBe(bug); // not RESOURCE_EXHAUSTED
    expect(inFlight()).toBe(0);
  });

  it("shares one limit among every method it is applied to, and tells onShed", async () => {
    const onShed = vi.fn();
    const { interceptor, inFlight } = loadShedding(2, onShed);
    const handler = heldHandler();
    const get = interceptor(handler.next, getUser);
    const create = interceptor(handler.next, createUser);
    const first = get({ id: "a" }, context());
    const second = create({ id: "b" }, context());
    expect(inFlight()).toBe(2);

    await expect(create({ id: "c" }, context())).rejects.toMatchObject({
      code: Status.RESOURCE_EXHAUSTED,
      message: busy,
    });
    await expect(get({ id: "d" }, context())).rejects.toMatchObject({
      code: Status.RESOURCE_EXHAUSTED,
    });
    expect(onShed.mock.calls).toEqual([
      ["CreateUser", 2],
      ["GetUser", 2],
    ]);

    handler.answer("a");
    handler.answer("b");
    await Promise.all([first, second]);
    expect(inFlight()).toBe(0);
  });
});
