import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getUserCancelledWhen } from "../../../test/support/cancelled-call.js";
import { serveInProcess } from "../../../test/support/in-process-server.js";
import { type ChannelKind, channelKinds, channelOf } from "../../../test/support/unary-channels.js";
import { UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { RpcError, Status } from "../rpc-error.js";
import { implement } from "../server/implement.js";
import { CallerGaveUp } from "../status-semantics.js";
import { createLogger } from "../telemetry/logger.js";
import { BreakerRegistry } from "./circuit-breaker.js";
import { createServiceClient, type ServiceClient } from "./service-client.js";

// Item 4 and 5 of issue 11: a caller's deadline or cancellation is not the dependency's failure,
// and it reaches the dependency (the call is not sent, or cancelled on the wire).

const createTime = timestampFromDate(new Date("2024-05-01T12:00:00Z"));
const user = (id: string) => ({ id, email: "grace@example.com", displayName: "Grace", createTime });

/** How the dependency's last "hold" call ended: the reason its signal aborted with. */
let holdEnded: Promise<unknown> = Promise.resolve();
let holdStarted: () => void = () => {};
let dependencyCalls = 0;

// The dependency: "hold" works until its caller goes away, as a slow query would.
const dependency = implement(UserService, {
  async getUser(request, context) {
    dependencyCalls++;
    if (request.id === "hold") {
      holdEnded = new Promise((resolve) =>
        context.signal.addEventListener("abort", () => resolve(context.signal.reason)),
      );
      holdStarted();
      await holdEnded;
      throw new RpcError(Status.CANCELLED, "gave up");
    }
    return user(request.id);
  },
  createUser: async () => {
    throw new RpcError(Status.UNIMPLEMENTED, "not here");
  },
  updateUser: async () => {
    throw new RpcError(Status.UNIMPLEMENTED, "not here");
  },
  listUsers: async () => ({ users: [], nextPageToken: "" }),
  getCurrentUser: async () => {
    throw new Error("not called");
  },
});

// The same behaviour is required of both channels the kit has (the front's, to the dependency).
let kind: ChannelKind = "grpc-js";
let dependencyServer: { address: string; stop(): Promise<void> };
let frontServer: { address: string; stop(): Promise<void> };
let toDependency: { client: ServiceClient<typeof UserService>; registry: BreakerRegistry };
const closing: (() => void)[] = [];

/** A client of the dependency behind a fresh breaker registry (opens after 2 failures). */
function guardedClient(minTimeoutMs: number) {
  const registry = new BreakerRegistry(
    {
      volumeThreshold: 2,
      errorThresholdPercent: 50,
      rollingWindowMs: 10_000,
      resetTimeoutMs: 60_000,
    },
    createLogger("test", "silent"),
  );
  const channel = channelOf(kind, dependencyServer.address);
  const client = createServiceClient(UserService, {
    ...(channel ? { channel } : {}),
    dependency: "user service",
    target: dependencyServer.address,
    timeoutMs: 10_000,
    minTimeoutMs,
    breakers: registry,
  });
  closing.push(
    () => client.close(),
    () => registry.shutdown(),
  );
  return { client, registry };
}

function getUserBreaker(registry: BreakerRegistry) {
  return registry.list().find((breaker) => breaker.method === "GetUser");
}

beforeAll(async () => {
  dependencyServer = await serveInProcess([dependency]);
  toDependency = guardedClient(5);
  // The front: a server whose GetUser calls the dependency for its caller, as the order service
  // calls the product service.
  frontServer = await serveInProcess([
    implement(UserService, {
      getUser: (request, context) => toDependency.client.getUser(request, { parent: context }),
      createUser: async () => {
        throw new RpcError(Status.UNIMPLEMENTED, "not here");
      },
      updateUser: async () => {
        throw new RpcError(Status.UNIMPLEMENTED, "not here");
      },
      listUsers: async () => ({ users: [], nextPageToken: "" }),
      getCurrentUser: async () => {
        throw new Error("not called");
      },
    }),
  ]);
});

afterAll(async () => {
  for (const close of closing) close();
  await frontServer.stop();
  await dependencyServer.stop();
});

beforeEach(() => {
  dependencyCalls = 0;
});

describe.each(channelKinds)("on the %s channel", (channelKind) => {
  beforeAll(() => {
    kind = channelKind;
    toDependency = guardedClient(5);
  });

  describe("a caller's deadline", () => {
    it("50 calls with 1 ms left are not sent and leave the breaker closed", async () => {
      const { client, registry } = guardedClient(5);
      for (let i = 0; i < 50; i++) {
        const error = await client
          .getUser({ id: "fast" }, { parent: { deadline: Date.now() + 1 } })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CallerGaveUp);
        expect(error).toMatchObject({ code: Status.DEADLINE_EXCEEDED });
      }
      expect(dependencyCalls).toBe(0);
      expect(getUserBreaker(registry)).toMatchObject({ state: "closed", failures: 0 });
      expect(await client.getUser({ id: "fast" })).toMatchObject({ id: "fast" });
    });

    it("50 calls sent with 1 ms left, which then time out, leave the breaker closed", async () => {
      const { client, registry } = guardedClient(0); // sent however little time is left
      for (let i = 0; i < 50; i++) {
        const error = await client
          .getUser({ id: "hold" }, { parent: { deadline: Date.now() + 1 } })
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ code: Status.DEADLINE_EXCEEDED });
      }
      expect(getUserBreaker(registry)).toMatchObject({ state: "closed", failures: 0 });
    });

    it("still counts the dependency's own slowness (its timeout, not the caller's)", async () => {
      const { client, registry } = guardedClient(0);
      for (let i = 0; i < 2; i++) {
        const call = client.getUser({ id: "hold" }, { timeoutMs: 20 });
        await expect(call).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
      }
      expect(getUserBreaker(registry)).toMatchObject({ state: "open", failures: 2 });
    });

    it("reaches the dependency through a server: its handler sees the deadline pass", async () => {
      const front = createServiceClient(UserService, {
        dependency: "front",
        target: frontServer.address,
        timeoutMs: 300,
      });
      closing.push(() => front.close());
      await expect(front.getUser({ id: "hold" })).rejects.toMatchObject({
        code: Status.DEADLINE_EXCEEDED,
      });
      // Both ends hold the same deadline: the dependency's own timer or the front's cancel on
      // expiry may arrive first (a loaded machine decides), and either one aborts the handler.
      expect([Status.DEADLINE_EXCEEDED, Status.CANCELLED]).toContain(
        ((await holdEnded) as { code: Status }).code,
      );
      expect(getUserBreaker(toDependency.registry)).toMatchObject({ state: "closed", failures: 0 });
    });
  });

  describe("a caller's cancellation", () => {
    it("cancels the downstream call: the dependency's handler sees CANCELLED at once", async () => {
      const started = new Promise<void>((resolve) => {
        holdStarted = resolve;
      });
      const ended = await getUserCancelledWhen(frontServer.address, "hold", started);
      expect(ended).toMatchObject({ code: Status.CANCELLED });
      // Long before the 30 s deadline: the cancel travelled front → dependency.
      expect(await holdEnded).toMatchObject({ code: Status.CANCELLED });
      expect(getUserBreaker(toDependency.registry)).toMatchObject({ state: "closed", failures: 0 });
    });
  });
});
