import { create, type DescMessage, type DescService, type MessageShape } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { createValidator, type Validator } from "@bufbuild/protovalidate";
import { type FieldViolation, invalidFieldReason } from "../error-details/index.js";
import { RpcError, Status } from "../rpc-error.js";
import { ruleText } from "./rule-texts.js";

// One validator per process: it caches the plan of each message type it has seen.
let validator: Validator | undefined;

function shared(): Validator {
  validator ??= createValidator();
  return validator;
}

/**
 * The INVALID_ARGUMENT for a request that breaks the rules its proto declares (buf.validate),
 * every field at once, each as `field: rule` (e.g. `items[0].quantity: must be a whole number
 * from 1 to 1000000`); undefined for a request that keeps them. A field reports the first rule
 * it breaks, as a form marks it.
 */
export function brokenRules<Desc extends DescMessage>(
  schema: Desc,
  request: MessageShape<Desc>,
): RpcError | undefined {
  const result = shared().validate(schema, request);
  if (result.kind === "valid") return undefined;
  // A rule that cannot be compiled or evaluated is the server's bug, not the caller's.
  if (result.kind === "error") throw result.error;
  const seen = new Set<string>();
  const fieldViolations: FieldViolation[] = [];
  for (const violation of result.violations) {
    const field = pathToString(violation.field);
    if (seen.has(field)) continue;
    seen.add(field);
    fieldViolations.push({ field, description: ruleText(violation) });
  }
  // One error, as the kit's invalidArgument and mergeFieldViolations would build it.
  const message = fieldViolations.map((v) => `${v.field}: ${v.description}`).join("; ");
  return new RpcError(Status.INVALID_ARGUMENT, message, {
    details: { reason: invalidFieldReason, fieldViolations },
  });
}

/**
 * Plans the rules of every request type of `services` now: the first validation costs
 * 45–150 ms (compiling the rules), which belongs to start-up, not to a caller's deadline.
 * Throws when a proto declares a rule that cannot be compiled, so such a server never serves.
 */
export function warmRequestRules(services: readonly DescService[]): void {
  for (const service of services) {
    for (const method of service.methods) brokenRules(method.input, create(method.input));
  }
}
