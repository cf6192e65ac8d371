import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { ServiceHandlers } from "../server/grpc-service.js";

/** A generated service with handlers for some of its methods; the others answer UNIMPLEMENTED. */
export interface ExposedService {
  readonly service: GenService<GenServiceMethods>;
  readonly handlers: Partial<ServiceHandlers<GenService<GenServiceMethods>>>;
}

/**
 * Pairs `service` with handlers of the methods it makes public. What is left out does not exist
 * from outside (a public door exposes less than the services behind it).
 */
export function expose<S extends GenService<GenServiceMethods>>(
  service: S,
  handlers: Partial<ServiceHandlers<S>>,
): ExposedService {
  return { service, handlers } as unknown as ExposedService;
}
