import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach } from "vitest";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../services/gen/grpc/health/v1/health_pb.js";
import { UserService } from "../../services/gen/shopmesh/user/v1/user_service_pb.js";
import type { CallContext } from "../../services/kit/call-context.js";
import {
  createServiceClient,
  type ServiceClient,
} from "../../services/kit/client/service-client.js";
import { notFound, RpcError, Status } from "../../services/kit/rpc-error.js";
import type { RunningServer } from "../../services/kit/server/grpc-server.js";
import {
  type CallOutcome,
  grpcService,
  type ServiceHandlers,
  type UnaryInterceptor,
} from "../../services/kit/server/grpc-service.js";
import { HealthRegistry } from "../../services/kit/server/health.js";
import { listenInProcess } from "./in-process-server.js";

// A UserService whose handlers and interceptors write down what they did, served by the kit's
// grpcService on a real loopback server: the grpc-service tests (one file per concern) share it.

/** The id the handlers answer for, and the create time they give every user. */
export const userId = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
/** The create time of every user the handlers return. */
export const createTime = timestampFromDate(new Date("2024-05-01T12:00:00Z"));
/** What the "bug" id throws: a plain Error whose message must not reach the caller. */
export const bug = new Error("cannot read properties of undefined (reading 'secret')");
const databaseDown = Object.assign(new Error("terminating connection"), { code: "57P01" });

/** What the handlers and interceptors saw during the current test (reset before each). */
export interface Recording {
  /** Interceptors and handlers, in the order they ran. */
  trail: string[];
  /** What the observer was told, one per call. */
  outcomes: CallOutcome[];
  /** The context of the last GetUser. */
  lastContext: CallContext | undefined;
  /** Whether that GetUser's signal was aborted when its handler started. */
  abortedWhileHandling: boolean | undefined;
  /** Resolves with the abort reason of the last GetUser "wait" call's signal. */
  waitAborted: Promise<unknown>;
  /** A GetUser "held" call reports here when its handler started, then awaits `heldRelease`. */
  heldStarted: (at: number) => void;
  heldRelease: Promise<void>;
}

const recording: Recording = {
  trail: [],
  outcomes: [],
  lastContext: undefined,
  abortedWhileHandling: undefined,
  waitAborted: Promise.resolve(),
  heldStarted: () => {},
  heldRelease: Promise.resolve(),
};

/** The handlers: GetUser's id picks what it does ("wait", "held", "missing", "bug", "database"). */
export const userHandlers: ServiceHandlers<typeof UserService> = {
  async createUser(request) {
    recording.trail.push("createUser");
    return { id: userId, email: request.email, displayName: request.displayName, createTime };
  },
  async getUser(request, context) {
    recording.trail.push("getUser");
    recording.lastContext = context;
    recording.abortedWhileHandling = context.signal.aborted;
    if (request.id === "wait") {
      // Works until the caller gives up, as a slow query would.
      recording.waitAborted = new Promise((resolve) =>
        context.signal.addEventListener("abort", () => resolve(context.signal.reason)),
      );
      await recording.waitAborted;
      throw new RpcError(Status.CANCELLED, "gave up");
    }
    if (request.id === "held") {
      recording.heldStarted(performance.now());
      await recording.heldRelease;
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
    recording.trail.push("listUsers");
    return { users: [], nextPageToken: "" };
  },
};

const outer: UnaryInterceptor = (next, method) => async (request, context) => {
  recording.trail.push(`outer ${method.name}`);
  return next(request, context);
};

// Refuses new users from one domain: an interceptor that fails the call without the handler.
const blocking: UnaryInterceptor = (next, method) => async (request, context) => {
  recording.trail.push(`inner ${method.name}`);
  const { email } = request as { email?: string };
  if (method.name === "CreateUser" && email?.endsWith("@blocked.example")) {
    throw new RpcError(Status.PERMISSION_DENIED, "sign-ups from this domain are closed");
  }
  return next(request, context);
};

/** The running server of one test file and clients of its two services. */
export interface RecordingServer {
  address: string;
  users: ServiceClient<typeof UserService>;
  health: ServiceClient<typeof Health>;
}

/**
 * Serves the recording UserService (interceptors `outer`, then `blocking`) and a serving health
 * service on one loopback server for the calling test file; clears the recording before each test.
 */
export function serveRecordingUserService(): { server: RecordingServer; recording: Recording } {
  const server = {} as RecordingServer;
  let running: RunningServer;
  beforeAll(async () => {
    const observer = (outcome: CallOutcome) => recording.outcomes.push(outcome);
    // A second service on the same server: the health registry's, serving.
    const registry = new HealthRegistry([]);
    registry.setAll(ServingStatus.SERVING);
    running = await listenInProcess([
      grpcService(UserService, userHandlers, { interceptors: [outer, blocking], observer }),
      grpcService(Health, registry.handlers(), { observer }),
    ]);
    server.address = `127.0.0.1:${running.port}`;
    const options = { dependency: "user service", target: server.address, timeoutMs: 10_000 };
    server.users = createServiceClient(UserService, options);
    server.health = createServiceClient(Health, { ...options, dependency: "health" });
  });
  afterAll(async () => {
    server.users?.close();
    server.health?.close();
    await running?.drain(1_000);
  });
  beforeEach(() => {
    recording.trail = [];
    recording.outcomes = [];
    recording.lastContext = undefined;
    recording.abortedWhileHandling = undefined;
  });
  return { server, recording };
}

const identity = (bytes: Buffer) => bytes;

/** A unary call with raw bytes, bypassing any codec; resolves to the status it ended with. */
export function rawUnary(address: string, path: string, body: Buffer) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<{ code: Status; details: string }>((resolve) => {
    client.makeUnaryRequest(path, identity, identity, body, (error) =>
      resolve(
        error ? { code: error.code, details: error.details } : { code: Status.OK, details: "" },
      ),
    );
  }).finally(() => client.close());
}
