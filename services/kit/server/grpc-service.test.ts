import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listenInProcess } from "../../../test/support/in-process-server.js";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";
import { UserSchema, UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import type { CallContext } from "../call-context.js";
import { createServiceClient, type ServiceClient } from "../client/service-client.js";
import { notFound, RpcError, Status } from "../rpc-error.js";
import type { RunningServer } from "./grpc-server.js";
import {
  type CallOutcome,
  grpcService,
  type ServiceHandlers,
  type UnaryInterceptor,
} from "./grpc-service.js";
import { HealthRegistry } from "./health.js";
import { messageCodec } from "./message-codec.js";

const userId = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const createTime = timestampFromDate(new Date("2024-05-01T12:00:00Z"));
const identity = (bytes: Buffer) => bytes;

/** What the handlers and interceptors did, in order, during the current test. */
let trail: string[] = [];
let outcomes: CallOutcome[] = [];
let lastContext: CallContext | undefined;
let abortedWhileHandling: boolean | undefined;
/** Resolves with the abort reason of the last GetUser "wait" call's signal. */
let waitAborted: Promise<unknown> = Promise.resolve();
/** A GetUser "held" call reports when its handler started, then answers once this resolves. */
let heldStarted: (at: number) => void = () => {};
let heldRelease: Promise<void> = Promise.resolve();
const databaseDown = Object.assign(new Error("terminating connection"), { code: "57P01" });
const bug = new Error("cannot read properties of undefined (reading 'secret')");

const userHandlers: ServiceHandlers<typeof UserService> = {
  async createUser(request) {
    trail.push("createUser");
    return { id: userId, email: request.email, displayName: request.displayName, createTime };
  },
  async getUser(request, context) {
    trail.push("getUser");
    lastContext = context;
    abortedWhileHandling = context.signal.aborted;
    if (request.id === "wait") {
      // Works until the caller gives up, as a slow query would.
      waitAborted = new Promise((resolve) =>
        context.signal.addEventListener("abort", () => resolve(context.signal.reason)),
      );
      await waitAborted;
      throw new RpcError(Status.CANCELLED, "gave up");
    }
    if (request.id === "held") {
      heldStarted(performance.now());
      await heldRelease;
    }
    if (request.id === "missing") {
      throw notFound(`user ${request.id}`, "USER_NOT_FOUND", {
        resourceType: "shopmesh.user.v1.User",
        resourceName: request.id,
      });
    }
    if (request.id === "bug") throw bug;
    if (request.id === "database") throw databaseDown;
    return { id: request.id, email: "grace@example.com", displayName: "Grace", createTime };
  },
  async getCurrentUser() {
    throw new RpcError(Status.UNAUTHENTICATED, "no end user in this test");
  },
  updateUser: async () => {
    throw new RpcError(Status.UNIMPLEMENTED, "not here");
  },
  async listUsers() {
    trail.push("listUsers");
    return { users: [], nextPageToken: "" };
  },
};

const recording: UnaryInterceptor = (next, method) => async (request, context) => {
  trail.push(`outer ${method.name}`);
  return next(request, context);
};

// Refuses new users from one domain: an interceptor that fails the call without the handler.
const blocking: UnaryInterceptor = (next, method) => async (request, context) => {
  trail.push(`inner ${method.name}`);
  const { email } = request as { email?: string };
  if (method.name === "CreateUser" && email?.endsWith("@blocked.example")) {
    throw new RpcError(Status.PERMISSION_DENIED, "sign-ups from this domain are closed");
  }
  return next(request, context);
};

/** A unary call with raw bytes, bypassing any codec; resolves to the status it ended with. */
function rawUnary(address: string, path: string, body: Buffer) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<{ code: Status; details: string }>((resolve) => {
    client.makeUnaryRequest(path, identity, identity, body, (error) =>
      resolve(
        error ? { code: error.code, details: error.details } : { code: Status.OK, details: "" },
      ),
    );
  }).finally(() => client.close());
}

describe("grpcService on a running server", () => {
  let server: RunningServer;
  let address: string;
  let users: ServiceClient<typeof UserService>;
  let health: ServiceClient<typeof Health>;

  beforeAll(async () => {
    const observer = (outcome: CallOutcome) => outcomes.push(outcome);
    // A second service on the same server: the health registry's, serving.
    const registry = new HealthRegistry([]);
    registry.setAll(ServingStatus.SERVING);
    server = await listenInProcess([
      grpcService(UserService, userHandlers, { interceptors: [recording, blocking], observer }),
      grpcService(Health, registry.handlers(), { observer }),
    ]);
    address = `127.0.0.1:${server.port}`;
    const options = { dependency: "user service", target: address, timeoutMs: 10_000 };
    users = createServiceClient(UserService, options);
    health = createServiceClient(Health, { ...options, dependency: "health" });
  });

  afterAll(async () => {
    users.close();
    health.close();
    await server.drain(1_000);
  });

  beforeEach(() => {
    trail = [];
    outcomes = [];
    lastContext = undefined;
    abortedWhileHandling = undefined;
  });

  it("answers a call through the interceptors, outermost first", async () => {
    const user = await users.getUser({ id: userId });
    expect(user).toEqual(
      create(UserSchema, {
        id: userId,
        email: "grace@example.com",
        displayName: "Grace",
        createTime,
      }),
    );
    expect(trail).toEqual(["outer GetUser", "inner GetUser", "getUser"]);
  });

  it("gives the handler the method path, the caller's deadline and a live signal", async () => {
    await users.getUser({ id: userId });
    expect(lastContext).toMatchObject({ method: "/shopmesh.user.v1.UserService/GetUser" });
    expect(Number.isFinite(lastContext?.deadline)).toBe(true);
    expect(abortedWhileHandling).toBe(false);
  });

  // CallContext.signal is documented as aborted when the caller cancels or the deadline passes;
  // grpc-js emits "cancelled" whenever the HTTP/2 stream closes, after a normal end too.
  it("does not abort the signal of a call that ended normally", async () => {
    await users.getUser({ id: userId });
    const succeeded = lastContext;
    await users.getUser({ id: "missing" }).catch(() => {});
    const failed = lastContext;
    await users.listUsers({}); // a later call on the same connection: both streams are closed
    expect(succeeded?.signal.aborted).toBe(false);
    expect(failed?.signal.aborted).toBe(false);
  });

  it("aborts the handler's signal when the caller's deadline passes", async () => {
    const call = users.getUser({ id: "wait" }, { timeoutMs: 500 });
    await expect(call).rejects.toMatchObject({
      code: Status.DEADLINE_EXCEEDED,
      message: "user service did not answer GetUser in time",
    });
    // The server's deadline timer or the client's cancel at the same instant may land first.
    expect([Status.DEADLINE_EXCEEDED, Status.CANCELLED]).toContain(
      ((await waitAborted) as { code: Status }).code,
    );
  });

  it("answers every method of a second service on the same server", async () => {
    expect(await health.check({ service: "" })).toMatchObject({ status: ServingStatus.SERVING });
  });

  it("keeps the code and message of a thrown RpcError", async () => {
    const error = await users.getUser({ id: "missing" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: Status.NOT_FOUND, message: "user missing not found" });
  });

  it('answers INTERNAL "internal error" for a plain Error, without its message', async () => {
    const error = await users.getUser({ id: "bug" }).catch((e: unknown) => e);
    // What the server sent is the cause; the kit's client relays it with its own message.
    expect(error).toMatchObject({
      code: Status.INTERNAL,
      message: "user service failed GetUser (INTERNAL); logged as a bug",
      cause: expect.objectContaining({ details: "internal error" }),
    });
  });

  it("answers UNAVAILABLE for a database that is going away", async () => {
    const error = await users.getUser({ id: "database" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: Status.UNAVAILABLE,
      message: "user service unavailable, retry later",
      cause: expect.objectContaining({ details: "database unavailable, retry later" }),
    });
  });

  it("lets an interceptor refuse a call before the handler runs", async () => {
    const refused = users.createUser({ email: "eve@blocked.example", displayName: "Eve" });
    await expect(refused).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
      message: "sign-ups from this domain are closed",
    });
    expect(trail).toEqual(["outer CreateUser", "inner CreateUser"]);

    const allowed = await users.createUser({ email: "ada@example.com", displayName: "Ada" });
    expect(allowed).toMatchObject({ id: userId, email: "ada@example.com" });
    expect(trail.at(-1)).toBe("createUser");
  });

  it("answers INVALID_ARGUMENT to malformed bytes and goes on serving", async () => {
    const path = "/shopmesh.user.v1.UserService/GetUser";
    for (const body of [Buffer.from([0xff, 0xff, 0xff]), Buffer.from([0x0a, 0x05, 0x61])]) {
      const answer = await rawUnary(address, path, body);
      expect(answer.code).toBe(Status.INVALID_ARGUMENT);
      expect(answer.details).toMatch(/^request: not a valid message/);
    }
    expect(trail).toEqual([]); // neither interceptors nor the handler saw the garbage
    expect(await users.getUser({ id: userId })).toMatchObject({ id: userId });
  });

  it("answers well-formed raw bytes like any client's", async () => {
    const body = messageCodec(HealthCheckRequestSchema).serialize({ service: "" });
    expect(await rawUnary(address, `/${Health.typeName}/Check`, body)).toEqual({
      code: Status.OK,
      details: "",
    });
  });

  it("tells the observer the method and code of every call", async () => {
    await users.getUser({ id: userId });
    await users.getUser({ id: "missing" }).catch(() => {});
    await users.getUser({ id: "bug" }).catch(() => {});
    await rawUnary(address, "/shopmesh.user.v1.UserService/ListUsers", Buffer.from([0xff]));
    const path = (method: string) => `/shopmesh.user.v1.UserService/${method}`;
    expect(outcomes.map(({ method, code }) => ({ method, code }))).toEqual([
      { method: path("GetUser"), code: Status.OK },
      { method: path("GetUser"), code: Status.NOT_FOUND },
      { method: path("GetUser"), code: Status.INTERNAL },
      { method: path("ListUsers"), code: Status.INVALID_ARGUMENT },
    ]);
    const [ok, notFoundOutcome, internal] = outcomes;
    expect(ok?.error).toBeUndefined();
    expect(notFoundOutcome?.error?.message).toBe("user missing not found");
    expect(internal?.error?.cause).toBe(bug); // the log gets what the caller does not
  });

  it("tells the observer how long the call took, in milliseconds", async () => {
    let release = () => {};
    heldRelease = new Promise((resolve) => {
      release = resolve;
    });
    const started = new Promise<number>((resolve) => {
      heldStarted = resolve;
    });
    const sentAt = performance.now();
    const call = users.getUser({ id: "held" });
    const handlerStartedAt = await started;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the handler's work: a slow query
    const releasedAt = performance.now();
    release();
    await call;
    const answeredAt = performance.now();
    expect(outcomes).toHaveLength(1);
    // At least the handler's own time, at most what the caller waited (one clock: in-process).
    expect(outcomes[0]?.durationMs).toBeGreaterThanOrEqual(releasedAt - handlerStartedAt);
    expect(outcomes[0]?.durationMs).toBeLessThanOrEqual(answeredAt - sentAt);
  });
});

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
