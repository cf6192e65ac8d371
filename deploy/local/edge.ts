import path from "node:path";
import { DevIssuer } from "../../services/edge/auth/index.js";
import type { ServiceName } from "./mesh.js";
import { startServiceProcess } from "./service-process.js";
import { SupervisedProcess, type SupervisionOptions } from "./supervised-process.js";
import { clientTrustEnvironment, type TrustDomain } from "./trust-domain.js";

/** Where and how the local edge runs, and who hears about its restarts. */
export interface LocalEdgeOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly addresses: Readonly<Record<ServiceName, string>>;
  /** The local trust domain (the edge dials the services with its own certificate). */
  readonly trust: TrustDomain | "plaintext";
  readonly onOutput: (line: string) => void;
  /** Settings on top of the local ones (the benchmark raises the rate limits, points spans). */
  readonly env?: Readonly<Record<string, string>>;
  /** Restart policy and listeners, as for the services (`make run` supervises the edge too). */
  readonly supervision?: Omit<SupervisionOptions, "launch">;
}

/**
 * Starts the edge of `make run` in front of the mesh, signing users in with the development
 * issuer kept in `<dataDir>/dev-issuer` (made on first start; development only), and keeps it
 * running as one more supervised process.
 */
export async function startLocalEdge(options: LocalEdgeOptions): Promise<{
  readonly address: string;
  readonly edge: SupervisedProcess;
  readonly issuer: DevIssuer;
}> {
  const issuer = await DevIssuer.open(path.join(options.dataDir, "dev-issuer"));
  const address = `${options.host}:${options.port}`;
  const env = {
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
    // The storefront's sign-in form uses it (development only; the edge logs it loudly).
    DEV_ISSUER_DIR: path.dirname(issuer.jwksFile),
    ...options.env,
  };
  const edge = new SupervisedProcess({
    ...options.supervision,
    launch: (extra) =>
      startServiceProcess({
        name: "edge",
        address,
        env: { ...env, ...extra },
        onOutput: options.onOutput,
      }),
  });
  await edge.start();
  return { address, edge, issuer };
}

/** What `make run` prints about the edge: the public door, with the commands to try it. */
export function edgeBanner(address: string): string {
  return `
The edge (the public door: Connect JSON, gRPC-Web and gRPC on one port) is at ${address}.
The storefront: open http://${address.replace(/^127\.0\.0\.1:/, "localhost:")}/ and sign in with any email.
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
