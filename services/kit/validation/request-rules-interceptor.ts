import type { UnaryInterceptor } from "../server/grpc-service.js";
import { brokenRules } from "./request-rules.js";

/**
 * Refuses a request that breaks its proto's rules (buf.validate) with one INVALID_ARGUMENT
 * naming every broken field, before the handler runs: handlers keep only the rules that need
 * state or other services.
 */
export function requestRulesInterceptor(): UnaryInterceptor {
  return (next, method) => async (request, context) => {
    const broken = brokenRules(method.input, request as never);
    if (broken) throw broken;
    return next(request, context);
  };
}
