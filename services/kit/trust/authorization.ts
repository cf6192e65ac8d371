import * as grpc from "@grpc/grpc-js";
import { grpcStatus } from "../error-details/index.js";
import { RpcError, Status } from "../rpc-error.js";
import type { AuthzDecision } from "./authz-match.js";
import { authorize } from "./authz-match.js";
import type { AuthzPolicy } from "./authz-policy.js";
import { connectionCaller } from "./connection-caller.js";
import type { PeerIdentity } from "./peer-identity.js";

/** One authorization decision, for logs, metrics and traces. */
export interface AuthzEvent {
  readonly method: string;
  readonly peer: PeerIdentity | undefined;
  readonly decision: AuthzDecision;
  /** The call's metadata (its trace context, for a span of the decision). */
  readonly metadata: grpc.Metadata;
}

/** Who made an authorized call, and the rule that let it through. */
export interface AuthorizedCall {
  readonly peer: PeerIdentity | undefined;
  readonly rule: string | undefined;
}

// Keyed by the call's metadata object (the one the handler gets): the interceptor runs before
// the handler's span exists, so the handler side records the rule, and it takes the caller from
// here rather than asking grpc-js for the certificate a second time.
const authorizedCalls = new WeakMap<grpc.Metadata, AuthorizedCall>();

/** The caller and rule of the authorized call with this metadata; undefined without a policy. */
export function authorizedCall(metadata: grpc.Metadata): AuthorizedCall | undefined {
  return authorizedCalls.get(metadata);
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
            const peer = connectionCaller(call);
            const method = descriptor.path;
            const decision = authorize(policy(), {
              path: method,
              peer,
              header: (key) =>
                metadata.get(key).map((value) => (typeof value === "string" ? value : "")),
            });
            onDecision({ method, peer, decision, metadata });
            if (decision.allowed) {
              authorizedCalls.set(metadata, { peer, rule: decision.rule });
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
