import { TLSSocket } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { listenInProcess } from "../../../test/support/in-process-server.js";
import { type ThrowawayCa, throwawayCa } from "../../../test/support/throwaway-ca.js";
import { UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient } from "../client/service-client.js";
import { RpcError, Status } from "../rpc-error.js";
import type { RunningServer } from "../server/grpc-server.js";
import { type CallOutcome, grpcService } from "../server/grpc-service.js";
import { authorizationInterceptor } from "./authorization.js";
import { parseAuthzPolicy } from "./authz-policy.js";
import { CertificateFiles } from "./certificate-files.js";
import { mutualTlsChannelCredentials, mutualTlsServerCredentials } from "./tls-credentials.js";

// The caller's identity is read once per TLS connection (connection-caller.ts): these tests hold
// the server to both halves of that: one read per connection, and a new certificate on a new
// connection is seen as itself.

const outcomes: CallOutcome[] = [];
const echoCaller = grpcService(
  UserService,
  {
    getUser: async (_request, context) => ({ id: context.peer ?? "(none)" }),
    createUser: async () => {
      throw new RpcError(Status.UNIMPLEMENTED, "not here");
    },
    listUsers: async () => ({ users: [] }),
    updateUser: async () => {
      throw new RpcError(Status.UNIMPLEMENTED, "not here");
    },
    getCurrentUser: async () => {
      throw new RpcError(Status.UNIMPLEMENTED, "not here");
    },
  },
  { observer: (outcome) => outcomes.push(outcome) },
);

let ca: ThrowawayCa;
let server: RunningServer;
let serverFiles: CertificateFiles;
const opened: { close(): void }[] = [];

beforeAll(async () => {
  ca = await throwawayCa();
  serverFiles = new CertificateFiles({ ...(await ca.issue("user")), refreshIntervalMs: 100 });
  await serverFiles.ready(5_000);
  const policy = parseAuthzPolicy(
    JSON.stringify({
      name: "user",
      allow_rules: [{ name: "any-peer", source: { principals: ["*"] } }],
    }),
  );
  server = await listenInProcess([echoCaller], undefined, {
    credentials: mutualTlsServerCredentials(serverFiles),
    interceptors: [authorizationInterceptor(() => policy)],
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  for (const client of opened) client.close();
  await server?.drain(1_000);
  serverFiles?.close();
  await ca?.remove();
});

// A client with its own channel, hence its own connection, presenting the certificate in `files`.
function clientWith(files: CertificateFiles) {
  const users = createServiceClient(UserService, {
    dependency: "user service",
    target: `127.0.0.1:${server.port}`,
    timeoutMs: 3_000,
    credentials: mutualTlsChannelCredentials(files, ca.id("user")),
    channelOptions: { "grpc.ssl_target_name_override": "user" },
  });
  opened.push(users);
  return users;
}

async function watched(account: string, name: string) {
  const files = new CertificateFiles({
    ...(await ca.issue(account, { name })),
    refreshIntervalMs: 100,
  });
  opened.push(files);
  await files.ready(5_000);
  return files;
}

describe("the caller's identity, per connection", () => {
  it("reads the peer certificate once per connection, not once per call", async () => {
    const users = clientWith(await watched("order", "order-once"));
    await users.getUser({ id: "x" }); // the connection's first call reads it
    const reads = vi.spyOn(TLSSocket.prototype, "getPeerCertificate");
    outcomes.length = 0;
    for (let i = 0; i < 20; i++) {
      expect((await users.getUser({ id: "x" })).id).toBe(ca.id("order"));
    }
    expect(outcomes).toHaveLength(20);
    expect(outcomes.every((outcome) => outcome.peer === ca.id("order"))).toBe(true);
    expect(reads).not.toHaveBeenCalled();
  });

  it("sees a rotated client certificate on the new connection, the old one on the old", async () => {
    const first = await ca.issue("order", { name: "order-rotating" });
    const files = new CertificateFiles({ ...first, refreshIntervalMs: 100 });
    opened.push(files);
    await files.ready(5_000);
    const before = clientWith(files);
    outcomes.length = 0;
    await before.getUser({ id: "x" });
    expect(outcomes.map((outcome) => outcome.peerSerial)).toEqual([first.leaf.serial]);

    // Rotate: the same files get a new certificate; the provider takes it for new handshakes.
    const reloaded = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (files.current?.serial !== first.leaf.serial) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    const second = await ca.issue("order", { name: "order-rotating" });
    await reloaded;
    expect(files.current?.serial).toBe(second.leaf.serial);

    const after = clientWith(files); // a new channel: a new connection, handshaken now
    outcomes.length = 0;
    await after.getUser({ id: "x" });
    await before.getUser({ id: "x" });
    expect(outcomes.map((outcome) => outcome.peerSerial)).toEqual([
      second.leaf.serial,
      first.leaf.serial,
    ]);
  });

  it("tells two callers on two connections from the same address apart", async () => {
    const order = clientWith(await watched("order", "order-apart"));
    const operator = clientWith(await watched("operator", "operator-apart"));
    for (let i = 0; i < 3; i++) {
      expect((await order.getUser({ id: "x" })).id).toBe(ca.id("order"));
      expect((await operator.getUser({ id: "x" })).id).toBe(ca.id("operator"));
    }
  });
});
