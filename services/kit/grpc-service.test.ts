import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../gen/grpc/health/v1/health_pb.js";
import { UserSchema, UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import type { CallContext } from "./call-context.js";
import { type RunningServer, startGrpcServer } from "./grpc-server.js";
import {
  type CallOutcome,
  type GrpcService,
  grpcService,
  type ServiceHandlers,
  type UnaryInterceptor,
} from "./grpc-service.js";
import { HealthRegistry } from "./health.js";
import { MalformedMessage, messageCodec } from "./message-codec.js";
import { notFound, RpcError, Status } from "./rpc-error.js";
import { createServiceClient, type ServiceClient } from "./service-client.js";

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
    if (request.id === "missing") throw notFound(`user ${request.id}`);
    if (request.id === "bug") throw bug;
    if (request.id === "database") throw databaseDown;
    return { id: request.id, email: "grace@example.com", displayName: "Grace", createTime };
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

// A hand-written Health service whose Watch ends in the way the request names.
const healthHandlers: ServiceHandlers<typeof Health> = {
  check: async () => ({ status: ServingStatus.SERVING }),
  list: async () => ({ statuses: {} }),
  watch: async ({ service }, send) => {
    send({ status: ServingStatus.SERVING });
    send({ status: ServingStatus.NOT_SERVING });
    if (service === "refused") throw new RpcError(Status.FAILED_PRECONDITION, "not watchable");
    if (service === "bug") throw bug;
  },
};

async function serve(services: readonly GrpcService[], health = new HealthRegistry([])) {
  return startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services,
    health,
    maxMessageBytes: 4 * 1024 * 1024,
    maxConnectionAgeMs: 60_000,
    maxConnectionAgeGraceMs: 1_000,
  });
}

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

/**
 * A Watch call: the statuses received so far, a way to wait for the nth one, and the statuses
 * and end status once the stream is over.
 */
function watch(address: string, service: string) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const request = messageCodec(HealthCheckRequestSchema);
  const response = messageCodec(HealthCheckResponseSchema);
  const received: (ServingStatus | "malformed")[] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  const call = client.makeServerStreamRequest(
    `/${Health.typeName}/Watch`,
    request.serialize,
    response.deserialize,
    { service },
  );
  call.on("data", (message: ReturnType<typeof response.deserialize>) => {
    received.push(message instanceof MalformedMessage ? "malformed" : message.status);
    for (const waiter of waiting) if (received.length >= waiter.count) waiter.resolve();
  });
  call.on("error", () => {}); // the status below says it all
  const ended = new Promise<{ received: typeof received; code: Status; details: string }>(
    (resolve) =>
      call.on("status", ({ code, details }: grpc.StatusObject) =>
        resolve({ received, code, details }),
      ),
  ).finally(() => client.close());
  const receivedCount = (count: number) =>
    new Promise<typeof received>((resolve) => {
      if (received.length >= count) resolve(received);
      else waiting.push({ count, resolve: () => resolve(received) });
    });
  return { received: receivedCount, ended };
}

describe("grpcService on a running server", () => {
  let server: RunningServer;
  let address: string;
  let users: ServiceClient<typeof UserService>;
  let health: ServiceClient<typeof Health>;

  beforeAll(async () => {
    const observer = (outcome: CallOutcome) => outcomes.push(outcome);
    server = await serve([
      grpcService(UserService, userHandlers, { interceptors: [recording, blocking], observer }),
      grpcService(Health, healthHandlers, { observer }),
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
    expect(await waitAborted).toMatchObject({ code: Status.CANCELLED });
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
    expect(error).toMatchObject({ code: Status.INTERNAL, message: "internal error" });
  });

  it("answers UNAVAILABLE for a database that is going away", async () => {
    const error = await users.getUser({ id: "database" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: Status.UNAVAILABLE,
      message: "user service unavailable: database unavailable, retry later",
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
    for (const outcome of outcomes) expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("streams every response of a server-streaming method and ends with OK", async () => {
    const result = await watch(address, "").ended;
    expect(result).toMatchObject({
      received: [ServingStatus.SERVING, ServingStatus.NOT_SERVING],
      code: Status.OK,
    });
    expect(outcomes).toMatchObject([{ method: "/grpc.health.v1.Health/Watch", code: Status.OK }]);
  });

  it("ends a stream with the code of a thrown RpcError, after what was sent", async () => {
    const result = await watch(address, "refused").ended;
    expect(result).toEqual({
      received: [ServingStatus.SERVING, ServingStatus.NOT_SERVING],
      code: Status.FAILED_PRECONDITION,
      details: "not watchable",
    });
  });

  it('ends a stream with INTERNAL "internal error" for a plain Error', async () => {
    const result = await watch(address, "bug").ended;
    expect(result).toMatchObject({ code: Status.INTERNAL, details: "internal error" });
    expect(outcomes).toMatchObject([
      { method: "/grpc.health.v1.Health/Watch", code: Status.INTERNAL },
    ]);
    expect(outcomes[0]?.error?.cause).toBe(bug);
  });

  it("answers INVALID_ARGUMENT to a malformed streaming request", async () => {
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const call = client.makeServerStreamRequest(
      `/${Health.typeName}/Watch`,
      identity,
      identity,
      Buffer.from([0xff, 0xff, 0xff]),
    );
    call.on("data", () => {});
    call.on("error", () => {});
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    client.close();
    expect(status.code).toBe(Status.INVALID_ARGUMENT);
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
      "/shopmesh.user.v1.UserService/GetUser",
      "/shopmesh.user.v1.UserService/ListUsers",
    ]);
  });
});

describe("startGrpcServer", () => {
  it("serves the health registry and, on drain, marks it NOT_SERVING and ends watches", async () => {
    const registry = new HealthRegistry([UserService.typeName]);
    const server = await serve([grpcService(Health, registry.handlers())], registry);
    const address = `127.0.0.1:${server.port}`;
    const client = createServiceClient(Health, {
      dependency: "health",
      target: address,
      timeoutMs: 10_000,
    });
    let drained = false;
    try {
      const stream = watch(address, UserService.typeName);
      expect(await stream.received(1)).toEqual([ServingStatus.NOT_SERVING]);

      registry.setAll(ServingStatus.SERVING);
      expect(await stream.received(2)).toEqual([ServingStatus.NOT_SERVING, ServingStatus.SERVING]);
      expect(await client.check({ service: "" })).toMatchObject({ status: ServingStatus.SERVING });
      const unknown = await client.check({ service: "nope.v1.Nope" }).catch((e: unknown) => e);
      expect(unknown).toMatchObject({ code: Status.NOT_FOUND });

      drained = true;
      await server.drain(5_000);
      expect(await stream.ended).toEqual({
        received: [ServingStatus.NOT_SERVING, ServingStatus.SERVING, ServingStatus.NOT_SERVING],
        code: Status.OK,
        details: expect.any(String),
      });
      expect(registry.get("")).toBe(ServingStatus.NOT_SERVING);
      expect(registry.get(UserService.typeName)).toBe(ServingStatus.NOT_SERVING);
    } finally {
      client.close();
      if (!drained) await server.drain(1_000);
    }
  });
});
