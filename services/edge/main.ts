import { runConnectService } from "../kit/index.js";
import { DevIssuer, jwksFrom, signIn, TokenVerifier } from "./auth/index.js";
import { connectDependencies } from "./dependencies.js";
import { adminsOnly, anonymousMethods } from "./door-policy.js";
import { edgeServices } from "./handlers.js";
import { Profiles } from "./profiles.js";
import { rateLimit } from "./rate-limit.js";
import { edgeSettings } from "./settings.js";
import { loadStaticFiles } from "./web/static-files.js";
import { webRoutes } from "./web/web-routes.js";

await runConnectService({
  name: "edge",
  defaultPort: 8080,
  settings: edgeSettings,
  start: async ({ config, logger, downstream }) => {
    const deps = connectDependencies(
      downstream,
      {
        user: config.userServiceTarget,
        product: config.productServiceTarget,
        order: config.orderServiceTarget,
      },
      {
        user: config.userServiceIdentity,
        product: config.productServiceIdentity,
        order: config.orderServiceIdentity,
      },
    );
    const verifier = new TokenVerifier({
      keys: jwksFrom({
        ...(config.jwksUrl ? { url: config.jwksUrl } : {}),
        ...(config.jwksFile ? { file: config.jwksFile } : {}),
      }),
      issuer: config.issuer,
      audience: config.audience,
      algorithms: config.algorithms,
      clockSkewSeconds: config.clockSkewSeconds,
      cacheSize: config.tokenCacheSize,
    });
    const limits = {
      user: { perSecond: config.userRatePerSecond, burst: config.userRateBurst },
      address: { perSecond: config.addressRatePerSecond, burst: config.addressRateBurst },
    };
    const files = loadStaticFiles(config.storefrontDir);
    if (!files) logger.warn({ dir: config.storefrontDir }, "no storefront page there: API only");
    let devIssuer: DevIssuer | undefined;
    if (config.devIssuerDir) {
      devIssuer = await DevIssuer.open(config.devIssuerDir, {
        issuer: config.issuer,
        audience: config.audience,
      });
      logger.warn(
        { dir: config.devIssuerDir },
        "DEV_ISSUER_DIR set: POST /dev-issuer/token signs ANYONE in by email (development only)",
      );
    }
    return {
      services: edgeServices(deps, new Profiles(deps.users)),
      fallback: webRoutes({ files, devIssuer }),
      // Sign-in first: the rate limit counts per user when there is one.
      interceptors: [
        signIn(verifier, { claim: config.adminClaim, role: config.adminRole }, anonymousMethods),
        rateLimit(limits, (key) => logger.warn({ key }, "rate limited: RESOURCE_EXHAUSTED")),
        adminsOnly(),
      ],
    };
  },
});
