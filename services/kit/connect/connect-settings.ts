import { boolean, integer, list, type readConfig, type Setting } from "../config.js";
import { commonSettings } from "../service-config.js";

/**
 * The settings of a service that speaks Connect, gRPC-Web and gRPC on one HTTP port and keeps
 * no database: the common ones without the database, plus body size and CORS.
 */
export function connectServiceSettings(defaultPort: number) {
  const {
    databaseUrl: _url,
    databasePoolMax: _poolMax,
    databaseStartupTimeoutMs: _startup,
    healthCheckIntervalMs: _health,
    // Trust as a client only: no gRPC server of its own, so no policy, health port or peers.
    authzPolicyFile: _policy,
    healthPort: _healthPort,
    endUserPeers: _peers,
    ...common
  } = commonSettings(defaultPort);
  return {
    ...common,
    maxBodyBytes: {
      env: "HTTP_MAX_BODY_BYTES",
      parse: integer(1024, 64 * 1024 * 1024),
      default: 64 * 1024,
    },
    // Unary gRPC and Connect calls served by the kit's own protocol paths (the same handlers,
    // rules and errors, far less CPU per call), and forwarded on the kit's lean HTTP/2 channel
    // (client/h2); false sends every call through connect-node and forwards on grpc-js.
    kitUnaryPaths: { env: "KIT_UNARY_PATHS", parse: boolean, default: true },
    // Exact origins such as https://shop.example.com; `*` (any site) is logged as a warning.
    corsAllowedOrigins: {
      env: "CORS_ALLOWED_ORIGINS",
      parse: list,
      default: [] as readonly string[],
    },
  } satisfies Record<string, Setting<unknown>>;
}

/** The settings of {@link connectServiceSettings}, read. */
export type ConnectServiceConfig = ReturnType<
  typeof readConfig<ReturnType<typeof connectServiceSettings>>
>;
