import type { CallObserver } from "./grpc-service.js";
import type { Logger } from "./logger.js";
import { Status } from "./rpc-error.js";

// The server's own failures; everything else is the caller's or a dependency's doing.
const serverFaults = new Set([Status.INTERNAL, Status.UNKNOWN, Status.DATA_LOSS]);

/** Logs one line per RPC: method, status code and duration; the cause of server faults. */
export function callLogger(logger: Logger): CallObserver {
  return ({ method, code, durationMs, error }) => {
    const line = { method, code: Status[code], duration_ms: Math.round(durationMs * 100) / 100 };
    if (error && serverFaults.has(code)) {
      logger.error({ ...line, err: error.cause ?? error }, "rpc failed");
    } else if (error) {
      logger.info({ ...line, message: error.message }, "rpc");
    } else {
      logger.info(line, "rpc");
    }
  };
}
