import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { CallContext } from "../call-context.js";
import type { EncodedMessage } from "../client/encoded-message.js";

type MethodsOf<S> = S extends GenService<infer M> ? M : never;

type ExposedHandler<M> = M extends {
  methodKind: "unary";
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? (
      request: MessageShape<I>,
      context: CallContext,
    ) => Promise<MessageInitShape<O> | EncodedMessage>
  : never;

/**
 * Handlers of a service's unary methods as a Connect service serves them: a response, or a
 * dependency's response passed on unread ({@link EncodedMessage}).
 */
export type ExposedHandlers<S extends GenService<GenServiceMethods>> = {
  [K in keyof MethodsOf<S>]: ExposedHandler<MethodsOf<S>[K]>;
};

/** A generated service with handlers for some of its methods; the others answer UNIMPLEMENTED. */
export interface ExposedService {
  readonly service: GenService<GenServiceMethods>;
  readonly handlers: Partial<ExposedHandlers<GenService<GenServiceMethods>>>;
}

/**
 * Pairs `service` with handlers of the methods it makes public. What is left out does not exist
 * from outside (a public door exposes less than the services behind it).
 */
export function expose<S extends GenService<GenServiceMethods>>(
  service: S,
  handlers: Partial<ExposedHandlers<S>>,
): ExposedService {
  return { service, handlers } as unknown as ExposedService;
}
