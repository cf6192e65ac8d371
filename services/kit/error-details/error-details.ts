/**
 * The ErrorInfo domain of every reason the mesh raises. AIP-193: a reason is unique within its
 * domain, so clients branch on (domain, reason), never on the message.
 */
export const errorDomain = "shopmesh.dev";

/** One broken field rule (google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  /** The field's path in the request, proto names: `items[2].quantity`. */
  readonly field: string;
  /** The rule it broke, e.g. `must be a UUID`. */
  readonly description: string;
}

/** One unmet precondition (google.rpc.PreconditionFailure.Violation). */
export interface PreconditionViolation {
  /** What kind of precondition, e.g. `STOCK`. */
  readonly type: string;
  /** What it is about, e.g. `products/3f…`. */
  readonly subject: string;
  readonly description: string;
}

/** The resource a NOT_FOUND is about (google.rpc.ResourceInfo). */
export interface ResourceRef {
  /** The resource's message type, e.g. `shopmesh.product.v1.Product`. */
  readonly resourceType: string;
  /** Its id. */
  readonly resourceName: string;
}

/**
 * What a program can act on beside the message (AIP-193), sent as a google.rpc.Status in the
 * `grpc-status-details-bin` trailer: a stable reason, and the detail types the code calls for.
 */
export interface ErrorDetails {
  /** UPPER_SNAKE_CASE, stable: clients branch on it (ErrorInfo.reason). */
  readonly reason: string;
  /** Defaults to {@link errorDomain}; a relayed error keeps its own. */
  readonly domain?: string;
  /** Facts of this occurrence, lowerCamelCase keys (ErrorInfo.metadata). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** INVALID_ARGUMENT: every broken rule of the request at once (BadRequest). */
  readonly fieldViolations?: readonly FieldViolation[];
  /** FAILED_PRECONDITION: what the system's state refused (PreconditionFailure). */
  readonly preconditionViolations?: readonly PreconditionViolation[];
  /** NOT_FOUND: what was looked for (ResourceInfo). */
  readonly resource?: ResourceRef;
  /** RESOURCE_EXHAUSTED, breaker-open UNAVAILABLE: wait at least this long (RetryInfo). */
  readonly retryDelayMs?: number;
}
