import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { listenInProcess } from "../../../test/support/in-process-server.js";
import {
  type ThrowawayCa,
  throwawayCa,
  type WorkloadFiles,
} from "../../../test/support/throwaway-ca.js";
import { UserService } from "../../gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient } from "../client/service-client.js";
import { RpcError, Status } from "../rpc-error.js";
import type { RunningServer } from "../server/grpc-server.js";
import { grpcService } from "../server/grpc-service.js";
import { authorizationInterceptor } from "./authorization.js";
import { parseAuthzPolicy } from "./authz-policy.js";
import { CertificateFiles } from "./certificate-files.js";
import { checkServerIdentity } from "./peer-identity.js";
import { mutualTlsChannelCredentials, mutualTlsServerCredentials } from "./tls-credentials.js";

// A user service whose GetUser answers with the caller's identity as the call context has it.
const echoCaller = grpcService(UserService, {
  getUser: async (_request, context) => ({ id: context.peer ?? "(none)" }),
  createUser: async () => {
    throw new RpcError(Status.UNIMPLEMENTED, "not here");
  },
  updateUser: async () => {
    throw new RpcError(Status.UNIMPLEMENTED, "not here");
  },
  listUsers: async (_request, context) => ({ users: [{ id: context.peer ?? "(none)" }] }),
  getCurrentUser: async () => {
    throw new RpcError(Status.UNIMPLEMENTED, "not here");
  },
});

let ca: ThrowawayCa;
let foreign: ThrowawayCa;
let server: RunningServer;
let serverFiles: CertificateFiles;
let order: WorkloadFiles;
const opened: { close(): void }[] = [];

beforeAll(async () => {
  ca = await throwawayCa();
  foreign = await throwawayCa("td.test"); // the same name, another root
  serverFiles = new CertificateFiles({ ...(await ca.issue("user")), refreshIntervalMs: 200 });
  await serverFiles.ready(5_000);
  order = await ca.issue("order");
  // Only the order may call GetUser; ListUsers from anyone with a certificate.
  const policy = parseAuthzPolicy(
    JSON.stringify({
      name: "user",
      allow_rules: [
        {
          name: "get-from-order",
          source: { principals: [ca.id("order")] },
          request: { paths: ["*/GetUser"] },
        },
        { name: "list", source: { principals: ["*"] }, request: { paths: ["*/ListUsers"] } },
      ],
    }),
  );
  server = await listenInProcess([echoCaller], undefined, {
    credentials: mutualTlsServerCredentials(serverFiles),
    interceptors: [authorizationInterceptor(() => policy)],
  });
});

afterAll(async () => {
  for (const client of opened) client.close();
  await server?.drain(1_000);
  serverFiles?.close();
  await ca?.remove();
  await foreign?.remove();
});

function client(credentials: grpc.ChannelCredentials) {
  const users = createServiceClient(UserService, {
    dependency: "user service",
    target: `127.0.0.1:${server.port}`,
    timeoutMs: 3_000,
    credentials,
    channelOptions: { "grpc.ssl_target_name_override": "user" },
  });
  opened.push(users);
  return users;
}

// Credentials that present whatever certificate they are given, unchecked on our side: what an
// attacker (or a misconfigured peer) would send.
function presenting(files: { certFile?: string; keyFile?: string }) {
  return grpc.credentials.createSsl(
    readFileSync(ca.dir ? `${ca.dir}/td.test.ca.pem` : ""),
    files.keyFile ? readFileSync(files.keyFile) : null,
    files.certFile ? readFileSync(files.certFile) : null,
    {
      checkServerIdentity: (_host, certificate) => checkServerIdentity(certificate, ca.id("user")),
    },
  );
}

describe("mTLS between workloads", () => {
  it("serves a peer with a certificate from the CA, and its SPIFFE ID is in the call context", async () => {
    const orderFiles = new CertificateFiles({ ...order, refreshIntervalMs: 200 });
    opened.push(orderFiles);
    const users = client(mutualTlsChannelCredentials(orderFiles, ca.id("user")));
    expect((await users.getUser({ id: "x" })).id).toBe(ca.id("order"));
  });

  it("builds one TLS context per certificate pair, not one per connection", async () => {
    // The module object grpc-js calls createSecureContext on (CommonJS require of node:tls).
    const tls = createRequire(import.meta.url)("node:tls") as typeof import("node:tls");
    const orderFiles = new CertificateFiles({ ...order, refreshIntervalMs: 200 });
    opened.push(orderFiles);
    await orderFiles.ready(5_000);
    const credentials = mutualTlsChannelCredentials(orderFiles, ca.id("user"));
    const built = vi.spyOn(tls, "createSecureContext");
    try {
      // Three channels with subchannels of their own: three connections, each with its
      // handshake, as every max connection age brings (grpc-js built two contexts for each).
      for (let n = 0; n < 3; n++) {
        const users = createServiceClient(UserService, {
          dependency: "user service",
          target: `127.0.0.1:${server.port}`,
          timeoutMs: 3_000,
          credentials,
          channelOptions: {
            "grpc.ssl_target_name_override": "user",
            "grpc.use_local_subchannel_pool": 1,
          },
        });
        opened.push(users);
        expect((await users.getUser({ id: "x" })).id).toBe(ca.id("order"));
      }
      expect(built).toHaveBeenCalledTimes(1);
    } finally {
      built.mockRestore();
    }
  });

  it("refuses a client certificate from a foreign CA", async () => {
    const intruder = await foreign.issue("order", { name: "foreign-order" });
    await expect(client(presenting(intruder)).listUsers({})).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
    });
  });

  it("refuses an expired client certificate", async () => {
    const expired = await ca.issue("order", {
      name: "expired-order",
      notBefore: new Date(Date.now() - 2 * 3600_000),
      lifetimeMs: 3600_000,
    });
    await expect(client(presenting(expired)).listUsers({})).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
    });
  });

  it("refuses a client without a certificate", async () => {
    await expect(client(presenting({})).listUsers({})).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
    });
  });

  it("refuses a server that is not the identity the client expects", async () => {
    const orderFiles = new CertificateFiles({ ...order, refreshIntervalMs: 200 });
    opened.push(orderFiles);
    const users = client(mutualTlsChannelCredentials(orderFiles, ca.id("product")));
    // Our caller gets the kit's own UNAVAILABLE text (status-semantics); the refused identity is
    // in the cause, which the log line carries.
    const error = await users.listUsers({}).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: Status.UNAVAILABLE,
      cause: expect.objectContaining({
        details: expect.stringContaining(`expected ${ca.id("product")}`),
      }),
    });
  });

  it("denies what the policy does not allow: PERMISSION_DENIED naming method and caller", async () => {
    const operator = await ca.issue("operator");
    const users = client(presenting(operator));
    expect((await users.listUsers({})).users[0]?.id).toBe(ca.id("operator"));
    await expect(users.getUser({ id: "x" })).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
      message: `permission denied: ${ca.id("operator")} may not call /shopmesh.user.v1.UserService/GetUser (no rule allows it)`,
    });
  });
});
