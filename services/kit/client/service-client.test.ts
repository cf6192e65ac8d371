import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { serveInProcess } from "../../../test/support/in-process-server.js";
import { type ChannelKind, channelKinds, channelOf } from "../../../test/support/unary-channels.js";
import { UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { RpcError, Status } from "../rpc-error.js";
import { implement } from "../server/implement.js";
import { createLogger } from "../telemetry/logger.js";
import { BreakerRegistry } from "./circuit-breaker.js";
import { RetryBudget } from "./retry.js";
import { createServiceClient, type ServiceClientOptions } from "./service-client.js";

const userId = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const createTime = timestampFromDate(new Date("2024-05-01T12:00:00Z"));
const dependency = "user service";
const restarting = "user store restarting";
// Our message, not the dependency's (its text may name addresses): that goes to the log.
const unavailableMessage = "user service unavailable, retry later";

/** Calls each method received during the current test, and how many of the first ones fail. */
let calls = { createUser: 0, getUser: 0, listUsers: 0 };
let failFirst = { createUser: 0, getUser: 0 };

const users = implement(UserService, {
  async createUser(request) {
    calls.createUser++;
    if (calls.createUser <= failFirst.createUser) {
      throw new RpcError(Status.UNAVAILABLE, restarting);
    }
    return { id: userId, email: request.email, displayName: request.displayName, createTime };
  },
  async getUser(request) {
    calls.getUser++;
    if (calls.getUser <= failFirst.getUser) throw new RpcError(Status.UNAVAILABLE, restarting);
    if (request.id === "slow") await new Promise((resolve) => setTimeout(resolve, 300));
    return { id: request.id, email: "grace@example.com", displayName: "Grace", createTime };
  },
  async getCurrentUser() {
    throw new RpcError(Status.UNAUTHENTICATED, "no end user in this test");
  },
  updateUser: async () => {
    throw new RpcError(Status.UNIMPLEMENTED, "not here");
  },
  async listUsers() {
    calls.listUsers++;
    return { users: [], nextPageToken: "" };
  },
});

const breakerSettings = {
  volumeThreshold: 2,
  errorThresholdPercent: 50,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 60_000,
};

// The same behaviour is required of both channels the kit has.
let kind: ChannelKind = "grpc-js";
let server: { address: string; stop(): Promise<void> };
const closing: (() => void)[] = [];

/** A client of the test server (or of `target`), closed after the tests. */
function client(options: Partial<ServiceClientOptions<typeof UserService>> = {}) {
  const channel = channelOf(kind, options.target ?? server.address);
  const created = createServiceClient(UserService, {
    ...(channel ? { channel } : {}),
    dependency,
    target: server.address,
    timeoutMs: 10_000,
    ...options,
  });
  closing.push(() => created.close());
  return created;
}

function breakerRegistry() {
  const registry = new BreakerRegistry(breakerSettings, createLogger("test", "silent"));
  closing.push(() => registry.shutdown());
  return registry;
}

beforeAll(async () => {
  server = await serveInProcess([users]);
});

afterAll(async () => {
  for (const close of closing) close();
  await server.stop();
});

beforeEach(() => {
  calls = { createUser: 0, getUser: 0, listUsers: 0 };
  failFirst = { createUser: 0, getUser: 0 };
});

describe.each(channelKinds)("on the %s channel", (channelKind) => {
  beforeAll(() => {
    kind = channelKind;
  });

  describe("createServiceClient", () => {
    it("answers a call with the server's response", async () => {
      const user = await client().getUser({ id: userId });
      expect(user).toMatchObject({ id: userId, email: "grace@example.com", displayName: "Grace" });
      expect(calls.getUser).toBe(1);
    });

    it("names the dependency in an UNAVAILABLE error, and does not retry without a policy", async () => {
      failFirst.getUser = 1;
      const error = await client()
        .getUser({ id: userId })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcError);
      expect(error).toMatchObject({
        code: Status.UNAVAILABLE,
        message: unavailableMessage,
        cause: expect.objectContaining({ details: restarting }),
      });
      expect(calls.getUser).toBe(1);
    });
  });

  describe("createServiceClient with retries", () => {
    const retried: [string, number, Status][] = [];
    let retrying: ReturnType<typeof client>;

    beforeAll(() => {
      retrying = client({
        methods: { getUser: { idempotent: true } },
        retry: {
          policy: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20 },
          budget: new RetryBudget(10, 0.1),
          onRetry: (method, attempt, error) => retried.push([method, attempt, error.code]),
        },
      });
    });

    beforeEach(() => {
      retried.length = 0;
    });

    it("retries an idempotent method that fails with UNAVAILABLE", async () => {
      failFirst.getUser = 1;
      expect(await retrying.getUser({ id: userId })).toMatchObject({ id: userId });
      expect(calls.getUser).toBe(2);
      expect(retried).toEqual([["GetUser", 2, Status.UNAVAILABLE]]);
    });

    it("gives up after maxAttempts with the dependency's UNAVAILABLE", async () => {
      failFirst.getUser = 5;
      await expect(retrying.getUser({ id: userId })).rejects.toMatchObject({
        code: Status.UNAVAILABLE,
        message: unavailableMessage,
        cause: expect.objectContaining({ details: restarting }),
      });
      expect(calls.getUser).toBe(3);
      expect(retried).toEqual([
        ["GetUser", 2, Status.UNAVAILABLE],
        ["GetUser", 3, Status.UNAVAILABLE],
      ]);
    });

    it("does not retry a method that is not idempotent", async () => {
      failFirst.createUser = 1;
      const error = await retrying
        .createUser({ email: "ada@example.com", displayName: "Ada" })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcError);
      expect(error).toMatchObject({ code: Status.UNAVAILABLE });
      expect((error as Error).message).toBe(unavailableMessage);
      expect(calls.createUser).toBe(1);
      expect(retried).toEqual([]);
    });

    it("does not retry DEADLINE_EXCEEDED", async () => {
      const call = retrying.getUser({ id: "slow" }, { timeoutMs: 50 });
      await expect(call).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
      expect(calls.getUser).toBe(1);
      expect(retried).toEqual([]);
    });
  });

  describe("createServiceClient deadlines", () => {
    const timedOut = {
      code: Status.DEADLINE_EXCEEDED,
      message: "user service did not answer GetUser in time",
    };

    it("applies the method's timeoutMs", async () => {
      const timed = client({ methods: { getUser: { timeoutMs: 50 } } });
      await expect(timed.getUser({ id: "slow" })).rejects.toMatchObject(timedOut);
      // The client's timeoutMs still holds for the other methods.
      expect(await timed.listUsers({})).toMatchObject({ users: [] });
    });

    it("lets a call's timeoutMs override the method's", async () => {
      const timed = client({ methods: { getUser: { timeoutMs: 50 } } });
      expect(await timed.getUser({ id: "slow" }, { timeoutMs: 5_000 })).toMatchObject({
        id: "slow",
      });
    });

    it("applies the client's timeoutMs to a method without one", async () => {
      const short = client({ timeoutMs: 50 });
      await expect(short.getUser({ id: "slow" })).rejects.toMatchObject(timedOut);
    });

    it("caps the timeout by the parent call's deadline", async () => {
      const call = client().getUser({ id: "slow" }, { parent: { deadline: Date.now() + 50 } });
      await expect(call).rejects.toMatchObject(timedOut);
    });

    it("does not extend the timeout to a later parent deadline", async () => {
      const timed = client({ methods: { getUser: { timeoutMs: 50 } } });
      const call = timed.getUser({ id: "slow" }, { parent: { deadline: Date.now() + 60_000 } });
      await expect(call).rejects.toMatchObject(timedOut);
    });
  });

  describe("createServiceClient with breakers", () => {
    it("registers one breaker per unary method, named after the dependency and the RPC", async () => {
      const registry = breakerRegistry();
      const guarded = client({ breakers: registry });
      const closed = { dependency, state: "closed", successes: 0, failures: 0, rejects: 0 };
      expect(registry.list()).toEqual([
        { ...closed, method: "CreateUser" },
        { ...closed, method: "UpdateUser" },
        { ...closed, method: "GetUser" },
        { ...closed, method: "ListUsers" },
        { ...closed, method: "GetCurrentUser" },
      ]);

      await guarded.getUser({ id: userId });
      expect(registry.list()).toEqual([
        { ...closed, method: "CreateUser" },
        { ...closed, method: "UpdateUser" },
        { ...closed, method: "GetUser", successes: 1 },
        { ...closed, method: "ListUsers" },
        { ...closed, method: "GetCurrentUser" },
      ]);
    });

    it("opens a method's breaker on UNAVAILABLE and then fails fast without calling", async () => {
      const registry = breakerRegistry();
      const guarded = client({ breakers: registry });
      failFirst.getUser = 10;
      for (let i = 0; i < 2; i++) {
        await expect(guarded.getUser({ id: userId })).rejects.toMatchObject({
          code: Status.UNAVAILABLE,
          message: unavailableMessage,
          cause: expect.objectContaining({ details: restarting }),
        });
      }
      await expect(guarded.getUser({ id: userId })).rejects.toMatchObject({
        code: Status.UNAVAILABLE,
        message: "user service unavailable: circuit breaker for GetUser is open, failing fast",
      });
      expect(calls.getUser).toBe(2);
      expect(registry.list().map(({ method, state }) => [method, state])).toEqual([
        ["CreateUser", "closed"],
        ["UpdateUser", "closed"],
        ["GetUser", "open"],
        ["ListUsers", "closed"],
        ["GetCurrentUser", "closed"],
      ]);
      expect(await guarded.listUsers({})).toMatchObject({ users: [] });
    });
  });

  describe("createServiceClient without a server", () => {
    it("answers UNAVAILABLE when nothing listens at the target", async () => {
      const unreachable = client({ target: "127.0.0.1:1", timeoutMs: 5_000 });
      const error = await unreachable.getUser({ id: userId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcError);
      expect(error).toMatchObject({ code: Status.UNAVAILABLE });
      expect((error as Error).message).toBe(unavailableMessage);
    });

    it("retries an idempotent method there until the attempts run out", async () => {
      const attempts: number[] = [];
      const unreachable = client({
        target: "127.0.0.1:1",
        timeoutMs: 5_000,
        methods: { getUser: { idempotent: true } },
        retry: {
          policy: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20 },
          budget: new RetryBudget(10, 0.1),
          onRetry: (_, attempt) => attempts.push(attempt),
        },
      });
      await expect(unreachable.getUser({ id: userId })).rejects.toMatchObject({
        code: Status.UNAVAILABLE,
        message: unavailableMessage,
      });
      expect(attempts).toEqual([2, 3]);
    });
  });
});
