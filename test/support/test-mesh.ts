import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { ServiceName } from "../../deploy/local/mesh.js";
import { type Mesh, type MeshOptions, serviceNames, startMesh } from "../../deploy/local/mesh.js";
import type { TrustDomain, Workload } from "../../deploy/local/trust-domain.js";
import { type MeshClients, meshClients } from "../../services/cli/mesh-clients.js";
import { operatorTlsOptions, readOperatorIdentity } from "../../services/cli/operator-identity.js";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { freePort } from "./ports.js";
import { type Finished, runCli } from "./processes.js";
import { credentialsOf, type Dial, temporaryTrustDomain } from "./trust.js";

/** A mesh of real service processes on loopback, with its own databases and typed clients. */
export interface TestMesh {
  readonly mesh: Mesh;
  /** The mesh's trust domain: certificates, identities and policies (mTLS is on). */
  readonly trust: TrustDomain;
  /** Connect clients (the CLI's, with the operator identity), another gRPC runtime. */
  readonly clients: MeshClients;
  readonly databases: Readonly<Record<(typeof serviceNames)[number], TestDatabase>>;
  /** grpc-js client options to dial `server` with mTLS as `as` (default: the operator). */
  dial(server: ServiceName, as?: Workload): Dial;
  /** A Connect gRPC transport to `server`, as the operator (what the CLI uses). */
  transport(server: ServiceName): Transport;
  /** Every line the services wrote, for diagnosing a failure. */
  readonly output: string[];
  close(): Promise<void>;
}

/** Starts user, product and order as processes from dist/ (run `make build` first). */
export async function startTestMesh(
  label: string,
  options: Pick<MeshOptions, "env" | "serviceEnv"> = {},
): Promise<TestMesh> {
  const databases = {
    user: await createTestDatabase(`${label}_user`),
    product: await createTestDatabase(`${label}_product`),
    order: await createTestDatabase(`${label}_order`),
  };
  const output: string[] = [];
  const trust = await temporaryTrustDomain();
  const mesh = await startMesh({
    host: "127.0.0.1",
    ports: { user: await freePort(), product: await freePort(), order: await freePort() },
    healthPorts: { user: await freePort(), product: await freePort(), order: await freePort() },
    trust,
    databaseUrls: {
      user: databases.user.url,
      product: databases.product.url,
      order: databases.order.url,
    },
    env: {
      LOG_LEVEL: "info",
      SHUTDOWN_GRACE_MS: "5000",
      // No broker unless a test starts one: never a developer's `make run` broker on :4222.
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      ...options.env,
    },
    ...(options.serviceEnv ? { serviceEnv: options.serviceEnv } : {}),
    onOutput: (service, line) => output.push(`${service}: ${line}`),
  });
  const operator = readOperatorIdentity(trust.dir);
  return {
    mesh,
    trust,
    clients: meshClients(mesh.addresses, operator),
    dial: (server, as = "operator") => ({
      target: mesh.addresses[server],
      ...credentialsOf(trust, as, server),
    }),
    transport: (server) =>
      createGrpcTransport({
        baseUrl: `https://${mesh.addresses[server]}`,
        nodeOptions: operatorTlsOptions(operator, server),
      }),
    databases,
    output,
    close: async () => {
      await mesh.stopAll();
      for (const name of serviceNames) await databases[name].drop();
      await trust.remove();
    },
  };
}

/** Runs the CLI against `shop` as the operator (its trust folder), like after `make run`. */
export function runCliOn(
  shop: TestMesh,
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<Finished> {
  return runCli(shop.mesh.addresses, args, { SHOPMESH_TRUST_DIR: shop.trust.dir, ...extraEnv });
}
