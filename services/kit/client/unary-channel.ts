import type * as grpc from "@grpc/grpc-js";

/**
 * What the kit's client layer needs of a channel: unary calls, its target, closing. A grpc-js
 * `Client` is one; so is the lean {@link H2Channel} the edge forwards on (`./h2/`).
 */
export interface UnaryChannel {
  makeUnaryRequest<Request, Response>(
    path: string,
    serialize: (value: Request) => Buffer,
    deserialize: (value: Buffer) => Response,
    request: Request,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<Response>,
  ): { cancel(): void };
  getChannel(): { getTarget(): string };
  close(): void;
}
