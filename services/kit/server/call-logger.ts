import { Status } from "../rpc-error.js";
import { meaningOf } from "../status-semantics.js";
import type { Logger } from "../telemetry/logger.js";
import type { CallObserver } from "./grpc-service.js";

/**
 * Logs one line per RPC: method, status code and duration, at the level the status table gives
 * the code. A failure's cause (the original error, a dependency's own status) goes to the log,
 * since the caller only ever sees our message.
 */
export function callLogger(logger: Logger): CallObserver {
  return ({ method, peer, peerSerial, rule, code, durationMs, error }) => {
    const line = {
      method,
      code: Status[code],
      duration_ms: Math.round(durationMs * 100) / 100,
      ...(peer ? { peer, peer_serial: peerSerial } : {}),
      ...(rule ? { rule } : {}),
    };
    const level = meaningOf(code).logLevel;
    if (!error) logger[level](line, "rpc");
    else if (level === "error") logger.error({ ...line, err: error.cause ?? error }, "rpc failed");
    else if (error.cause !== undefined) {
      logger[level]({ ...line, message: error.message, err: error.cause }, "rpc");
    } else logger[level]({ ...line, message: error.message }, "rpc");
  };
}
