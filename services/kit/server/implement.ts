import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { ServiceHandlers } from "./grpc-service.js";

/** A generated service paired with its handlers, type-checked against each other. */
export interface Implementation {
  readonly service: GenService<GenServiceMethods>;
  readonly handlers: ServiceHandlers<GenService<GenServiceMethods>>;
}

/** Pairs `service` with `handlers`; the compiler checks that every RPC has a typed handler. */
export function implement<S extends GenService<GenServiceMethods>>(
  service: S,
  handlers: ServiceHandlers<S>,
): Implementation {
  return { service, handlers } as unknown as Implementation;
}
