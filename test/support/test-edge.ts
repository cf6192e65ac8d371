import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type ServiceProcess, startServiceProcess } from "../../deploy/local/service-process.js";
import { clientTrustEnvironment } from "../../deploy/local/trust-domain.js";
import { bearer, type MeshClients, meshClients } from "../../services/cli/mesh-clients.js";
import { DevIssuer } from "../../services/edge/auth/index.js";
import { freePort } from "./ports.js";
import { startTestMesh, type TestMesh } from "./test-mesh.js";

/** A test mesh with an edge in front of it and an identity provider of the test's own. */
export interface TestEdge {
  readonly shop: TestMesh;
  /** `host:port` of the edge. */
  readonly address: string;
  readonly issuer: DevIssuer;
  /** Every line the edge wrote. */
  readonly output: string[];
  /** A gRPC client of the edge (services as in the mesh), sending `token` when given. */
  clients(token?: string): MeshClients;
  /** Starts another edge on the same mesh with extra settings (stopped by `close`). */
  startEdge(env?: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts user, product and order (trusting only the edge's certificate to act for end users) and
 * an edge process that dials them with mTLS as `edge` (with `env` added to its settings).
 */
export async function startTestEdge(
  label: string,
  env: Record<string, string> = {},
): Promise<TestEdge> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "shopmesh-edge-"));
  const issuer = await DevIssuer.open(folder, { issuer: "https://idp.test", audience: "shop" });
  const shop = await startTestMesh(label);
  const output: string[] = [];
  const edges: ServiceProcess[] = [];
  const startEdge = async (env: Record<string, string> = {}) => {
    const address = `127.0.0.1:${await freePort()}`;
    const [, port = ""] = address.split(":");
    edges.push(
      await startServiceProcess({
        name: "edge",
        address,
        env: {
          ...process.env,
          GRPC_HOST: "127.0.0.1",
          GRPC_PORT: port,
          USER_SERVICE_TARGET: shop.mesh.addresses.user,
          PRODUCT_SERVICE_TARGET: shop.mesh.addresses.product,
          ORDER_SERVICE_TARGET: shop.mesh.addresses.order,
          ...clientTrustEnvironment(shop.trust, "edge"),
          JWT_JWKS_FILE: issuer.jwksFile,
          JWT_ISSUER: issuer.issuer,
          JWT_AUDIENCE: issuer.audience,
          CORS_ALLOWED_ORIGINS: "https://shop.test",
          RATE_LIMIT_USER_PER_SECOND: "1000",
          RATE_LIMIT_USER_BURST: "1000",
          RATE_LIMIT_ADDRESS_PER_SECOND: "1000",
          RATE_LIMIT_ADDRESS_BURST: "1000",
          LOG_LEVEL: "info",
          ...env,
        },
        onOutput: (line) => output.push(line),
      }),
    );
    return address;
  };
  const address = await startEdge(env);
  return {
    shop,
    address,
    issuer,
    output,
    clients: (token) =>
      meshClients(
        { user: address, product: address, order: address },
        // The edge is the public door: plain HTTP/2 here (TLS would end at an ingress).
        "plaintext",
        token ? [bearer(token)] : [],
      ),
    startEdge,
    close: async () => {
      for (const edge of edges) await edge.stop();
      await shop.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
