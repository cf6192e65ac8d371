import { fileURLToPath } from "node:url";
import { grpcTarget, integer, list, type Setting, spiffeIdSetting, text } from "../kit/index.js";

const optionalText = { parse: text, default: undefined as string | undefined };
// dist/services/edge/settings.js → dist/storefront, where `make build` bundles the page.
const defaultStorefrontDir = fileURLToPath(new URL("../../storefront", import.meta.url));

/** What the edge reads besides the common settings of a Connect service. */
export const edgeSettings = {
  userServiceTarget: { env: "USER_SERVICE_TARGET", parse: grpcTarget, default: "localhost:50051" },
  productServiceTarget: {
    env: "PRODUCT_SERVICE_TARGET",
    parse: grpcTarget,
    default: "localhost:50052",
  },
  orderServiceTarget: {
    env: "ORDER_SERVICE_TARGET",
    parse: grpcTarget,
    default: "localhost:50053",
  },
  // The SPIFFE IDs the internal servers must present (required with mTLS).
  userServiceIdentity: { env: "USER_SERVICE_IDENTITY", parse: spiffeIdSetting, default: undefined },
  productServiceIdentity: {
    env: "PRODUCT_SERVICE_IDENTITY",
    parse: spiffeIdSetting,
    default: undefined,
  },
  orderServiceIdentity: {
    env: "ORDER_SERVICE_IDENTITY",
    parse: spiffeIdSetting,
    default: undefined,
  },
  // The identity provider: its keys (URL, e.g. Keycloak's …/protocol/openid-connect/certs, or a
  // file), and what its tokens must say.
  jwksUrl: { env: "JWT_JWKS_URL", ...optionalText },
  jwksFile: { env: "JWT_JWKS_FILE", ...optionalText },
  issuer: { env: "JWT_ISSUER", parse: text },
  audience: { env: "JWT_AUDIENCE", parse: text },
  algorithms: { env: "JWT_ALGORITHMS", parse: algorithmList, default: ["RS256", "ES256"] },
  clockSkewSeconds: { env: "JWT_CLOCK_SKEW_SECONDS", parse: integer(0, 300), default: 30 },
  adminClaim: { env: "JWT_ADMIN_CLAIM", parse: text, default: "roles" },
  adminRole: { env: "JWT_ADMIN_ROLE", parse: text, default: "admin" },
  tokenCacheSize: { env: "JWT_CACHE_SIZE", parse: integer(0, 1_000_000), default: 10_000 },
  // The storefront page (built by `make build`); a folder without index.html serves no page.
  storefrontDir: { env: "STOREFRONT_DIR", parse: text, default: defaultStorefrontDir },
  // DEVELOPMENT ONLY (make run): a development issuer's folder; the edge then signs anyone in
  // by email at POST /dev-issuer/token. Unset in every real deployment.
  devIssuerDir: { env: "DEV_ISSUER_DIR", ...optionalText },
  // Abuse limits at the door: per signed-in user, and per address for anonymous calls.
  userRatePerSecond: { env: "RATE_LIMIT_USER_PER_SECOND", parse: integer(1), default: 20 },
  userRateBurst: { env: "RATE_LIMIT_USER_BURST", parse: integer(1), default: 40 },
  addressRatePerSecond: { env: "RATE_LIMIT_ADDRESS_PER_SECOND", parse: integer(1), default: 10 },
  addressRateBurst: { env: "RATE_LIMIT_ADDRESS_BURST", parse: integer(1), default: 20 },
} satisfies Record<string, Setting<unknown>>;

function algorithmList(raw: string): readonly string[] {
  const algorithms = list(raw);
  if (algorithms.some((algorithm) => algorithm.toLowerCase() === "none")) {
    throw new Error("none is never allowed: unsigned tokens prove nothing");
  }
  if (algorithms.some((algorithm) => algorithm.startsWith("HS"))) {
    throw new Error("HS* (shared-secret) algorithms are not supported: use the provider's JWKS");
  }
  return algorithms;
}
