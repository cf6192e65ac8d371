import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listenInProcess } from "../../../test/support/in-process-server.js";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";
import { UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient } from "../client/service-client.js";
import { RpcError, Status } from "../rpc-error.js";
import type { RunningServer } from "./grpc-server.js";
import { type CallOutcome, grpcService, type ServiceHandlers } from "./grpc-service.js";
import { HealthRegistry } from "./health.js";
import { MalformedMessage, messageCodec } from "./message-codec.js";

// Server-streaming methods through the adapter, and a server's drain ending open streams.
const identity = (bytes: Buffer) => bytes;
const bug = new Error("cannot read properties of undefined (reading 'secret')");
let outcomes: CallOutcome[] = [];

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

describe("server-streaming methods", () => {
  let server: RunningServer;
  let address: string;

  beforeAll(async () => {
    const observer = (outcome: CallOutcome) => outcomes.push(outcome);
    server = await listenInProcess([grpcService(Health, healthHandlers, { observer })]);
    address = `127.0.0.1:${server.port}`;
  });
  afterAll(() => server.drain(1_000));
  beforeEach(() => {
    outcomes = [];
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

describe("startGrpcServer", () => {
  it("serves the health registry and, on drain, marks it NOT_SERVING and ends watches", async () => {
    const registry = new HealthRegistry([UserService.typeName]);
    const server = await listenInProcess([grpcService(Health, registry.handlers())], registry);
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
