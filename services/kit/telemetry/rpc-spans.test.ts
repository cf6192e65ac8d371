import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { serveInProcess } from "../../../test/support/in-process-server.js";
import { UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient } from "../client/service-client.js";
import { RpcError, Status } from "../rpc-error.js";
import { implement } from "../server/implement.js";

// The kit's own gRPC spans, over a real loopback server and client: the names, kinds,
// attributes, parentage and status that @opentelemetry/instrumentation-grpc made before them
// (the e2e telemetry test checks the same across processes).
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();

const createTime = timestampFromDate(new Date("2024-05-01T12:00:00Z"));
let activeInHandler: string | undefined;
const users = implement(UserService, {
  async getUser(request) {
    activeInHandler = trace.getActiveSpan()?.spanContext().spanId;
    if (request.id === "ghost") throw new RpcError(Status.NOT_FOUND, "no such user");
    return { id: request.id, email: "a@example.com", displayName: "A", createTime };
  },
  async createUser() {
    throw new RpcError(Status.UNIMPLEMENTED, "not in this test");
  },
  async getCurrentUser() {
    throw new RpcError(Status.UNIMPLEMENTED, "not in this test");
  },
  async updateUser() {
    throw new RpcError(Status.UNIMPLEMENTED, "not in this test");
  },
  async listUsers() {
    return { users: [], nextPageToken: "" };
  },
});

let server: Awaited<ReturnType<typeof serveInProcess>>;
let client: ReturnType<typeof createServiceClient<typeof UserService>>;
beforeAll(async () => {
  server = await serveInProcess([users]);
  client = createServiceClient(UserService, {
    dependency: "user service",
    target: server.address,
    timeoutMs: 5_000,
  });
});
afterAll(async () => {
  client.close();
  await server.stop();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

/** Calls GetUser inside a root span, as a handler calling a dependency does. */
async function callInsideRoot(id: string): Promise<{ root: string; spans: ReadableSpan[] }> {
  const root = provider.getTracer("test").startSpan("caller");
  await context
    .with(trace.setSpan(context.active(), root), () => client.getUser({ id }))
    .catch(() => undefined);
  root.end();
  await expect.poll(() => exporter.getFinishedSpans().length).toBe(3);
  return { root: root.spanContext().spanId, spans: exporter.getFinishedSpans() };
}

const name = "grpc.shopmesh.user.v1.UserService/GetUser";
const rpc = {
  "rpc.system": "grpc",
  "rpc.method": "GetUser",
  "rpc.service": "shopmesh.user.v1.UserService",
};

it("makes a CLIENT span under the active span and a SERVER span under it, active in the handler", async () => {
  const { root, spans } = await callInsideRoot("u-1");
  const clientSpan = spans.find((span) => span.kind === SpanKind.CLIENT);
  const serverSpan = spans.find((span) => span.kind === SpanKind.SERVER);
  const port = Number(server.address.split(":")[1]);
  expect(clientSpan).toMatchObject({ name, status: { code: SpanStatusCode.UNSET } });
  expect(clientSpan?.parentSpanContext?.spanId).toBe(root);
  expect(clientSpan?.attributes).toEqual({
    ...rpc,
    "server.address": "127.0.0.1",
    "server.port": port,
    "rpc.grpc.status_code": 0,
  });
  expect(serverSpan).toMatchObject({ name, status: { code: SpanStatusCode.UNSET } });
  expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
  expect(serverSpan?.spanContext().traceId).toBe(clientSpan?.spanContext().traceId);
  expect(serverSpan?.attributes).toEqual({ ...rpc, "rpc.grpc.status_code": 0 });
  expect(activeInHandler).toBe(serverSpan?.spanContext().spanId);
});

it("marks both sides of a failed call as errors with its gRPC status code", async () => {
  const { spans } = await callInsideRoot("ghost");
  const clientSpan = spans.find((span) => span.kind === SpanKind.CLIENT);
  const serverSpan = spans.find((span) => span.kind === SpanKind.SERVER);
  expect(serverSpan?.status.code).toBe(SpanStatusCode.ERROR);
  expect(serverSpan?.attributes["rpc.grpc.status_code"]).toBe(Status.NOT_FOUND);
  expect(clientSpan?.status.code).toBe(SpanStatusCode.ERROR);
  expect(clientSpan?.attributes).toMatchObject({
    "rpc.grpc.status_code": Status.NOT_FOUND,
    "grpc.error_name": "Error",
    "grpc.error_message": "5 NOT_FOUND: no such user",
  });
});
