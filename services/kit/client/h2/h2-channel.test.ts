import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenInProcess } from "../../../../test/support/in-process-server.js";
import { type ThrowawayCa, throwawayCa } from "../../../../test/support/throwaway-ca.js";
import { UserService } from "../../../gen/shopmesh/user/v1/user_service_pb.js";
import { RpcError, Status } from "../../rpc-error.js";
import {
  type GrpcServerOptions,
  type RunningServer,
  startGrpcServer,
} from "../../server/grpc-server.js";
import { grpcService } from "../../server/grpc-service.js";
import { HealthRegistry } from "../../server/health.js";
import { CertificateFiles } from "../../trust/certificate-files.js";
import { mutualTlsClient, mutualTlsServerCredentials } from "../../trust/tls-credentials.js";
import { createServiceClient } from "../service-client.js";
import { parseTarget } from "./grpc-target.js";
import { H2Channel } from "./h2-channel.js";

// What the lean channel does below the kit's client layer, which grpc-js did for it: round robin
// over every address, following servers that go away or close connections at their max age,
// and mTLS that pins the server's identity. (Deadlines, cancellation, retries, breakers and
// status relaying: service-client.test.ts and caller-bounds.test.ts run on both channels.)

/** A user service whose GetUser answers with `name` (which server) and the caller's identity. */
function named(name: string) {
  return grpcService(UserService, {
    getUser: async (_request, context) => ({ id: name, displayName: context.peer ?? "" }),
    createUser: async () => {
      throw new RpcError(Status.UNIMPLEMENTED, "not here");
    },
    updateUser: async () => {
      throw new RpcError(Status.UNIMPLEMENTED, "not here");
    },
    listUsers: async () => ({ users: [] }),
    getCurrentUser: async () => {
      throw new RpcError(Status.UNIMPLEMENTED, "not here");
    },
  });
}

function serve(name: string, host: string, options: Partial<GrpcServerOptions> = {}) {
  const services = [named(name)];
  return startGrpcServer({
    host,
    port: 0,
    services,
    health: new HealthRegistry(services.map((service) => service.typeName)),
    maxMessageBytes: 4 * 1024 * 1024,
    maxConnectionAgeMs: 60_000,
    maxConnectionAgeGraceMs: 1_000,
    ...options,
  });
}

const opened: { close(): void }[] = [];

function usersAt(target: string, tls?: ConstructorParameters<typeof H2Channel>[0]["tls"]) {
  const parsed = parseTarget(target);
  if (!parsed) throw new Error(`cannot dial ${target}`);
  const channel = new H2Channel({
    target,
    parsed,
    tls,
    keepaliveTimeMs: 30_000,
    keepaliveTimeoutMs: 10_000,
    maxSendBytes: 1024 * 1024,
    maxReceiveBytes: 1024 * 1024,
  });
  const users = createServiceClient(UserService, {
    dependency: "user service",
    target,
    timeoutMs: 3_000,
    channel,
  });
  opened.push(users);
  return users;
}

afterAll(() => {
  for (const client of opened) client.close();
});

describe("the lean HTTP/2 channel", () => {
  let a: RunningServer;
  let b: RunningServer;
  beforeAll(async () => {
    a = await serve("a", "127.0.0.1");
    b = await serve("b", "127.0.0.2");
  });
  afterAll(async () => {
    await a.drain(500);
    await b.drain(500);
  });

  it("spreads calls round robin over every address, and follows a server that goes away", async () => {
    const users = usersAt(`ipv4:127.0.0.1:${a.port},127.0.0.2:${b.port}`);
    // Both sessions up: call until each server has answered once (round robin picks only
    // sessions that are connected, so the count below starts from both).
    const answered = new Set<string>();
    await expect.poll(async () => answered.add((await users.getUser({ id: "x" })).id).size).toBe(2);
    const seen = { a: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 20; i++) {
      const { id } = await users.getUser({ id: "x" });
      seen[id] = (seen[id] ?? 0) + 1;
    }
    expect(seen).toEqual({ a: 10, b: 10 });
    await a.drain(500); // GOAWAY: no new calls there
    for (let i = 0; i < 10; i++) expect((await users.getUser({ id: "x" })).id).toBe("b");
  });

  it("keeps answering across a server's max connection age (GOAWAY, then a new session)", async () => {
    const aging = await serve("aging", "127.0.0.1", {
      maxConnectionAgeMs: 150,
      maxConnectionAgeGraceMs: 100,
    });
    try {
      const users = usersAt(`localhost:${aging.port}`);
      const until = Date.now() + 800;
      let calls = 0;
      while (Date.now() < until) {
        expect((await users.getUser({ id: "x" })).id).toBe("aging");
        calls++;
      }
      expect(calls).toBeGreaterThan(10);
    } finally {
      await aging.drain(500);
    }
  });
});

describe("the lean HTTP/2 channel over mTLS", () => {
  let ca: ThrowawayCa;
  let serverFiles: CertificateFiles;
  let clientFiles: CertificateFiles;
  let server: RunningServer;
  beforeAll(async () => {
    ca = await throwawayCa();
    serverFiles = new CertificateFiles({ ...(await ca.issue("user")), refreshIntervalMs: 200 });
    clientFiles = new CertificateFiles({ ...(await ca.issue("edge")), refreshIntervalMs: 200 });
    await serverFiles.ready(5_000);
    await clientFiles.ready(5_000);
    server = await listenInProcess([named("user")], undefined, {
      credentials: mutualTlsServerCredentials(serverFiles),
    });
  });
  afterAll(async () => {
    await server?.drain(500);
    serverFiles?.close();
    clientFiles?.close();
    await ca?.remove();
  });

  it("presents the workload's certificate: the server sees the caller's SPIFFE ID", async () => {
    const users = usersAt(
      `127.0.0.1:${server.port}`,
      mutualTlsClient(clientFiles, ca.id("user"), "user"),
    );
    expect(await users.getUser({ id: "x" })).toMatchObject({
      id: "user",
      displayName: ca.id("edge"),
    });
  });

  it("refuses a server that is not the identity it expects: UNAVAILABLE, the reason in the cause", async () => {
    const users = usersAt(
      `127.0.0.1:${server.port}`,
      mutualTlsClient(clientFiles, ca.id("product"), "product"),
    );
    const error = await users.getUser({ id: "x" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: Status.UNAVAILABLE,
      cause: expect.objectContaining({
        details: expect.stringContaining(`expected ${ca.id("product")}`),
      }),
    });
  });
});
