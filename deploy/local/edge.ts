import path from "node:path";
import { DevIssuer } from "../../services/edge/auth/index.js";
import type { ServiceName } from "./mesh.js";
import { type ServiceProcess, startServiceProcess } from "./service-process.js";
import { clientTrustEnvironment, type TrustDomain } from "./trust-domain.js";

/**
 * Starts the edge of `make run` in front of the mesh, signing users in with the development
 * issuer kept in `<dataDir>/dev-issuer` (made on first start; development only).
 */
export async function startLocalEdge(options: {
  host: string;
  port: number;
  dataDir: string;
  addresses: Readonly<Record<ServiceName, string>>;
  /** The local trust domain (the edge dials the services with its own certificate). */
  trust: TrustDomain | "plaintext";
  onOutput: (line: string) => void;
}): Promise<ServiceProcess & { address: string }> {
  const issuer = await DevIssuer.open(path.join(options.dataDir, "dev-issuer"));
  const address = `${options.host}:${options.port}`;
  const edge = await startServiceProcess({
    name: "edge",
    address,
    env: {
      ...process.env,
      GRPC_HOST: options.host,
      GRPC_PORT: String(options.port),
      USER_SERVICE_TARGET: options.addresses.user,
      PRODUCT_SERVICE_TARGET: options.addresses.product,
      ORDER_SERVICE_TARGET: options.addresses.order,
      ...(options.trust === "plaintext"
        ? { INSECURE_PLAINTEXT: "true" }
        : clientTrustEnvironment(options.trust, "edge")),
      JWT_JWKS_FILE: issuer.jwksFile,
      JWT_ISSUER: issuer.issuer,
      JWT_AUDIENCE: issuer.audience,
      JWT_ALGORITHMS: "ES256",
    },
    onOutput: options.onOutput,
  });
  return { ...edge, address };
}

/** What `make run` prints about the edge: the public door, with the commands to try it. */
export function edgeBanner(address: string): string {
  return `
The edge (the public door: Connect JSON, gRPC-Web and gRPC on one port) is at ${address}.
Sign in with the development issuer (development only), then call it with curl or the CLI:

  TOKEN=$(npm run --silent cli -- login --email grace@example.com)
  curl -H 'content-type: application/json' -d '{}' \\
    http://${address}/shopmesh.product.v1.ProductService/ListProducts
  curl -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\
    -d '{"email":"grace@example.com","display_name":"Grace"}' \\
    http://${address}/shopmesh.user.v1.UserService/CreateUser
  npm run cli -- --edge ${address} order list
`;
}
