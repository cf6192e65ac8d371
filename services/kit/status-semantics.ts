import { RpcError, Status } from "./rpc-error.js";

/** What one gRPC status code means to each part of the kit. */
export interface StatusMeaning {
  /** Served by us: the caller's request (or choice, e.g. cancelling) caused it, not our health. */
  readonly callerFault: boolean;
  /** Received from a dependency: an idempotent call may be sent again (within budget). */
  readonly retryable: boolean;
  /** Received from a dependency: counts as a failure in that method's circuit breaker. */
  readonly dependencyFailure: boolean;
  /** Served by us: the level of the call's log line ("error" lines carry the cause). */
  readonly logLevel: "info" | "warn" | "error";
  /** Received from a dependency: the code our caller gets instead. */
  readonly relayedAs: Status;
  /**
   * Received from a dependency: whether its message and error details (the reason, the field
   * violations) reach our caller. Only for the caller's own mistakes (which product, how much stock), never for failures, whose text may name
   * addresses or internals: those get our message and the cause goes to the log.
   */
  readonly relayMessage: boolean;
}

/** The caller's own mistake: relayed as it is, with the dependency's explanation. */
function callerMistake(code: Status): StatusMeaning {
  return {
    callerFault: true,
    retryable: false,
    dependencyFailure: false,
    logLevel: "info",
    relayedAs: code,
    relayMessage: true,
  };
}
// Down, overloaded or restarting: the call may not have been processed, so a safe one is retried.
const unavailable: StatusMeaning = {
  callerFault: false,
  retryable: true,
  dependencyFailure: true,
  logLevel: "warn",
  relayedAs: Status.UNAVAILABLE,
  relayMessage: false,
};
const ourBug: StatusMeaning = {
  callerFault: false,
  retryable: false,
  dependencyFailure: true,
  logLevel: "error",
  relayedAs: Status.INTERNAL,
  relayMessage: false,
};

/**
 * The one table of status semantics: which codes are the caller's fault, which a safe call
 * retries, which open breakers, how each is logged and what it becomes when relayed. The
 * service client, the breakers, the retry loop, the call logger and the error mapper read it;
 * nothing else decides.
 */
export const statusSemantics: { readonly [code in Status]: StatusMeaning } = {
  [Status.OK]: { ...callerMistake(Status.OK), callerFault: false },
  // Served: our caller cancelled. Received without our asking: the dependency cut the call
  // (it was shutting down, say), which may have been processed, so it is not retried.
  [Status.CANCELLED]: { ...unavailable, callerFault: true, retryable: false, logLevel: "info" },
  [Status.UNKNOWN]: ourBug,
  [Status.INVALID_ARGUMENT]: callerMistake(Status.INVALID_ARGUMENT),
  // Not retried: the call may have been processed, and the time is gone anyway.
  [Status.DEADLINE_EXCEEDED]: {
    callerFault: false,
    retryable: false,
    dependencyFailure: true,
    logLevel: "warn",
    relayedAs: Status.DEADLINE_EXCEEDED,
    relayMessage: false,
  },
  [Status.NOT_FOUND]: callerMistake(Status.NOT_FOUND),
  [Status.ALREADY_EXISTS]: callerMistake(Status.ALREADY_EXISTS),
  // A dependency refusing *our* identity is our misconfiguration, but it says nothing about the
  // dependency's health; the trust layer's message tells the caller which rule refused.
  [Status.PERMISSION_DENIED]: callerMistake(Status.PERMISSION_DENIED),
  // Load shedding: the refused call changed nothing, so a retry after a backoff is safe; a
  // dependency that keeps shedding is overloaded, which is what a breaker is for.
  [Status.RESOURCE_EXHAUSTED]: unavailable,
  [Status.FAILED_PRECONDITION]: callerMistake(Status.FAILED_PRECONDITION),
  // A conflicting transaction was rolled back: an idempotent call can simply run again. Or the
  // caller's etag is stale (ETAG_MISMATCH): its reason must reach the client through the edge.
  // Every ABORTED of the mesh is worded by us (toRpcError replaces the database's text).
  [Status.ABORTED]: { ...callerMistake(Status.ABORTED), retryable: true },
  [Status.OUT_OF_RANGE]: callerMistake(Status.OUT_OF_RANGE),
  // Served: the caller named a method we lack. Received: version skew inside the mesh, a bug.
  [Status.UNIMPLEMENTED]: {
    ...ourBug,
    callerFault: true,
    dependencyFailure: false,
    logLevel: "info",
  },
  [Status.INTERNAL]: ourBug,
  [Status.UNAVAILABLE]: unavailable,
  [Status.DATA_LOSS]: ourBug,
  [Status.UNAUTHENTICATED]: callerMistake(Status.UNAUTHENTICATED),
};

/** The meaning of `code`; an unknown number (not a gRPC code) is treated as UNKNOWN. */
export function meaningOf(code: Status): StatusMeaning {
  return statusSemantics[code] ?? statusSemantics[Status.UNKNOWN];
}

/** The code our caller gets when a dependency answers `code`. */
export function relayedCode(code: Status): Status {
  return meaningOf(code).relayedAs;
}

/**
 * Marks an error that the caller itself caused (its deadline passed, or it cancelled), so that
 * breakers do not hold it against the dependency.
 */
export class CallerGaveUp extends RpcError {}

/**
 * Whether a failed downstream call counts against the dependency's breaker. While a half-open
 * breaker is `probing`, only an answer may close it: a call the caller gave up on proved nothing,
 * so it counts and the breaker stays open.
 */
export function countsAgainstDependency(error: unknown, probing = false): boolean {
  if (error instanceof CallerGaveUp) return probing;
  // Anything that is not an RpcError escaped the client layer's mapping: a bug, so it counts.
  return !(error instanceof RpcError) || meaningOf(error.code).dependencyFailure;
}

/** Whether a failed attempt of an idempotent call may be sent again. */
export function isRetryable(error: unknown): error is RpcError {
  return (
    error instanceof RpcError && !(error instanceof CallerGaveUp) && meaningOf(error.code).retryable
  );
}
