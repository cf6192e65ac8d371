import * as grpc from "@grpc/grpc-js";
import { grpcStatus } from "../error-details/index.js";
import { RpcError, Status } from "../rpc-error.js";
import type { AuthzDecision } from "./authz-match.js";
import { authorize } from "./authz-match.js";
import type { AuthzPolicy } from "./authz-policy.js";
import { callerIdentity, type PeerIdentity } from "./peer-identity.js";

/** One authorization decision, for logs, metrics and traces. */
export interface AuthzEvent {
  readonly method: string;
  readonly peer: PeerIdentity | undefined;
  readonly decision: AuthzDecision;
  /** The call's metadata (its trace context, for a span of the decision). */
  readonly metadata: grpc.Metadata;
}

// The rule that allowed a call, keyed by the call's metadata object (the one the handler gets):
// the interceptor runs before the handler's span exists, so the handler side records it.
const allowingRules = new WeakMap<grpc.Metadata, string>();

/** The rule that let the call with this metadata through; undefined without authorization. */
export function allowingRule(metadata: grpc.Metadata): string | undefined {
  return allowingRules.get(metadata);
}

/**
 * A grpc-js server interceptor that checks every call, of every service on the server
 * (reflection and health included), against the policy in force before the handler runs.
 * A denied call ends with PERMISSION_DENIED naming the method and the caller; the handler
 * never sees it.
 */
export function authorizationInterceptor(
  policy: () => AuthzPolicy,
  onDecision: (event: AuthzEvent) => void = () => {},
): grpc.ServerInterceptor {
  return (descriptor, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, forward) => {
            const peer = callerIdentity(call.getAuthContext());
            const method = descriptor.path;
            const decision = authorize(policy(), {
              path: method,
              peer,
              header: (key) =>
                metadata.get(key).map((value) => (typeof value === "string" ? value : "")),
            });
            onDecision({ method, peer, decision, metadata });
            if (decision.allowed) {
              if (decision.rule) allowingRules.set(metadata, decision.rule);
              forward(metadata);
              return;
            }
            call.sendStatus(
              grpcStatus(
                new RpcError(Status.PERMISSION_DENIED, deniedMessage(method, peer, decision), {
                  details: {
                    reason: "POLICY_DENIED",
                    metadata: { method, ...(decision.rule && { rule: decision.rule }) },
                  },
                }),
              ),
            );
          },
        });
      },
    });
}

/** `permission denied: <caller> may not call <method> (<why>)` */
export function deniedMessage(
  method: string,
  peer: PeerIdentity | undefined,
  decision: AuthzDecision,
): string {
  const caller = peer ? (peer.spiffeId ?? peer.subject) : "a caller without a client certificate";
  const why = decision.rule ? `denied by rule ${decision.rule}` : "no rule allows it";
  return `permission denied: ${caller} may not call ${method} (${why})`;
}
