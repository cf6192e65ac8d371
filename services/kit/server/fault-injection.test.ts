import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it, vi } from "vitest";
import { AdminService } from "../../gen/shopmesh/admin/v1/admin_service_pb.js";
import { UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import type { CallContext } from "../call-context.js";
import { RpcError, Status } from "../rpc-error.js";
import { FaultInjector, faultInjection } from "./fault-injection.js";
import type { FaultRule } from "./fault-rules.js";
import type { UnaryCall } from "./grpc-service.js";

const getUser = UserService.method.getUser;
const createUser = UserService.method.createUser;

function context(signal: AbortSignal = new AbortController().signal): CallContext {
  return {
    method: "/shopmesh.user.v1.UserService/GetUser",
    metadata: new Metadata(),
    deadline: Infinity,
    signal,
  };
}

function rule(fields: Partial<FaultRule> & Pick<FaultRule, "method">): FaultRule {
  return { delayMs: 0, abortPercent: 0, abortCode: Status.UNAVAILABLE, ...fields };
}

/** A handler that answers every call and counts them. */
function handler() {
  const next = vi.fn<UnaryCall>(async (request) => ({ answered: request }));
  return next;
}

/**
 * Makes `count` calls one after the other, numbered from `first` (sent as the request); returns
 * the numbers of those aborted.
 */
async function abortedCalls(call: UnaryCall, count: number, first = 1): Promise<number[]> {
  const aborted: number[] = [];
  for (let n = first; n < first + count; n++) {
    try {
      await call({ n }, context());
    } catch (error) {
      expect(error).toBeInstanceOf(RpcError);
      aborted.push(n);
    }
  }
  return aborted;
}

describe("faultInjection", () => {
  it("hands the calls of a method no rule names straight on", async () => {
    const next = handler();
    const untouched = [
      faultInjection([rule({ method: "GetUser", abortPercent: 100 })])(next, createUser),
      // Rules name the proto's RPC name, not the generated code's local name.
      faultInjection([rule({ method: "getUser", abortPercent: 100 })])(next, getUser),
      faultInjection([])(next, getUser),
    ];
    for (const call of untouched) expect(await abortedCalls(call, 3)).toEqual([]);
    expect(next).toHaveBeenCalledTimes(9);
  });

  it("aborts every other call at 50%, with the rule's code", async () => {
    const next = handler();
    const interceptor = faultInjection([
      rule({ method: "GetUser", abortPercent: 50, abortCode: Status.RESOURCE_EXHAUSTED }),
    ]);
    const call = interceptor(next, getUser);
    expect(await call({ n: 1 }, context())).toEqual({ answered: { n: 1 } });
    const error = await call({ n: 2 }, context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({
      code: Status.RESOURCE_EXHAUSTED,
      message: expect.stringMatching(/^fault injected:/),
    });
    expect((error as Error).message).toBe(
      "fault injected: GetUser aborted with RESOURCE_EXHAUSTED",
    );
    expect(await abortedCalls(call, 8, 3)).toEqual([4, 6, 8, 10]);
    expect(next.mock.calls.map(([request]) => request)).toEqual([
      { n: 1 },
      { n: 3 },
      { n: 5 },
      { n: 7 },
      { n: 9 },
    ]);
  });

  it("spreads other shares evenly: 30% aborts calls 4, 7 and 10 of 10", async () => {
    const call = faultInjection([rule({ method: "GetUser", abortPercent: 30 })])(
      handler(),
      getUser,
    );
    expect(await abortedCalls(call, 10)).toEqual([4, 7, 10]);
  });

  it("aborts every call at 100% and none at 0%", async () => {
    const next = handler();
    const all = faultInjection([rule({ method: "GetUser", abortPercent: 100 })])(next, getUser);
    expect(await abortedCalls(all, 5)).toEqual([1, 2, 3, 4, 5]);
    await expect(all({}, context())).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
      message: "fault injected: GetUser aborted with UNAVAILABLE",
    });
    expect(next).not.toHaveBeenCalled();

    const none = faultInjection([rule({ method: "GetUser", abortPercent: 0 })])(next, getUser);
    expect(await abortedCalls(none, 5)).toEqual([]);
    expect(next).toHaveBeenCalledTimes(5);
  });

  it('applies a "*" rule to every method', async () => {
    const next = handler();
    const interceptor = faultInjection([
      rule({ method: "*", abortPercent: 100, abortCode: Status.INTERNAL }),
    ]);
    for (const method of UserService.methods) {
      const call = interceptor(next, method);
      await expect(call({}, context())).rejects.toMatchObject({
        code: Status.INTERNAL,
        message: `fault injected: ${method.name} aborted with INTERNAL`,
      });
    }
    expect(next).not.toHaveBeenCalled();
  });

  it("delays a call by delayMs, then hands it on", async () => {
    const next = handler();
    const call = faultInjection([rule({ method: "GetUser", delayMs: 50 })])(next, getUser);
    const started = performance.now();
    expect(await call({ id: "u-1" }, context())).toEqual({ answered: { id: "u-1" } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it("adds up the delays of every matching rule and tells onFault", async () => {
    const onFault = vi.fn();
    const call = faultInjection(
      [
        rule({ method: "GetUser", delayMs: 20 }),
        rule({ method: "*", delayMs: 10, abortPercent: 100 }),
        rule({ method: "CreateUser", delayMs: 1_000 }),
      ],
      onFault,
    )(handler(), getUser);
    await expect(call({}, context())).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(onFault.mock.calls).toEqual([
      ["GetUser", "delay 30 ms"],
      ["GetUser", "abort UNAVAILABLE"],
    ]);
  });

  it("ends a delayed call when its signal aborts, without handing it on", async () => {
    const next = handler();
    const call = faultInjection([rule({ method: "GetUser", delayMs: 10_000 })])(next, getUser);
    const controller = new AbortController();
    const reason = new RpcError(Status.CANCELLED, "caller gave up");
    const started = performance.now();
    const delayed = call({}, context(controller.signal));
    setTimeout(() => controller.abort(reason), 20);
    await expect(delayed).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(next).not.toHaveBeenCalled();
  });

  it("ends a delayed call at once when its signal is already aborted", async () => {
    const next = handler();
    const call = faultInjection([rule({ method: "GetUser", delayMs: 10_000 })])(next, getUser);
    const reason = new RpcError(Status.DEADLINE_EXCEEDED, "deadline passed");
    await expect(call({}, context(AbortSignal.abort(reason)))).rejects.toBe(reason);
    expect(next).not.toHaveBeenCalled();
  });

  it("counts the calls of each method apart", async () => {
    const next = handler();
    const interceptor = faultInjection([rule({ method: "*", abortPercent: 50 })]);
    const get = interceptor(next, getUser);
    const create = interceptor(next, createUser);
    expect(await abortedCalls(get, 1)).toEqual([]);
    expect(await abortedCalls(create, 1)).toEqual([]); // its own first call, not the second
    expect(await abortedCalls(get, 1, 2)).toEqual([2]); // GetUser's second call
  });
});

describe("FaultInjector", () => {
  it("switches rules for the next calls without a new interceptor, and counts afresh", async () => {
    const injector = new FaultInjector([]);
    const next = handler();
    const call = injector.interceptor(next, getUser);
    expect(await abortedCalls(call, 2)).toEqual([]);

    const previous = injector.replace([rule({ method: "GetUser", abortPercent: 50 })]);
    expect(previous).toEqual([]);
    // Counting starts again at the change: the second call after it is the first aborted.
    expect(await abortedCalls(call, 4, 3)).toEqual([4, 6]);

    expect(injector.replace([])).toEqual([rule({ method: "GetUser", abortPercent: 50 })]);
    expect(injector.rules).toEqual([]);
    expect(await abortedCalls(call, 3, 7)).toEqual([]);
    expect(next).toHaveBeenCalledTimes(7);
  });

  it("never faults AdminService, so that faults can always be cleared", async () => {
    const injector = new FaultInjector([rule({ method: "*", abortPercent: 100 })]);
    const next = handler();
    for (const method of AdminService.methods) {
      expect(await abortedCalls(injector.interceptor(next, method), 2)).toEqual([]);
    }
    expect(await abortedCalls(injector.interceptor(next, getUser), 2)).toEqual([1, 2]);
  });

  it("knows the methods it was installed on, AdminService's excepted", () => {
    const injector = new FaultInjector([]);
    for (const method of [...UserService.methods, ...AdminService.methods]) {
      injector.interceptor(handler(), method);
    }
    expect([...injector.methods].sort()).toEqual(UserService.methods.map((m) => m.name).sort());
  });
});
