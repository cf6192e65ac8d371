// Serving Connect, gRPC-Web and gRPC on one HTTP port with the kit's behaviour (the edge).
export { type ConnectServiceConfig, connectServiceSettings } from "./connect-settings.js";
export { type ExposedService, expose } from "./exposed-service.js";
export type { HttpHandler } from "./http-listener.js";
export { RetryLater } from "./retry-later.js";
export {
  type ConnectServiceDeps,
  type ConnectServiceParts,
  type ConnectServiceSpec,
  runConnectService,
} from "./run-connect-service.js";
