import type { DescService } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { reflectionService } from "./reflection.js";

// Reflection is for grpcurl and other tools, never on a start's path: building it (every file
// descriptor decoded by protobufjs, the reflection protos parsed from text by proto-loader) was
// ~0.1 s of each start's CPU (bench/README.md, "Start"). Its two services are registered with
// definitions that hand over to the real ones, built on the first reflection call.

const methods = [
  "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
  "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
] as const;

interface RealMethod {
  readonly definition: grpc.MethodDefinition<unknown, unknown>;
  readonly handler: grpc.handleBidiStreamingCall<unknown, unknown>;
}

/** Server reflection for `services`, built when a client first asks (see reflectionService). */
export function lazyReflectionService(services: readonly DescService[]): {
  addToServer(server: grpc.Server): void;
} {
  let real: Map<string, RealMethod> | undefined;
  const method = (path: string): RealMethod => {
    real ??= captureMethods(services);
    const found = real.get(path);
    if (!found) throw new Error(`@grpc/reflection serves no ${path}`);
    return found;
  };
  return {
    addToServer(server) {
      for (const path of methods) {
        const definition: grpc.MethodDefinition<unknown, unknown> = {
          path,
          requestStream: true,
          responseStream: true,
          originalName: "serverReflectionInfo",
          requestSerialize: (value) => method(path).definition.requestSerialize(value),
          requestDeserialize: (bytes) => method(path).definition.requestDeserialize(bytes),
          responseSerialize: (value) => method(path).definition.responseSerialize(value),
          responseDeserialize: (bytes) => method(path).definition.responseDeserialize(bytes),
        };
        server.addService(
          { ServerReflectionInfo: definition },
          {
            ServerReflectionInfo: (call: grpc.ServerDuplexStream<unknown, unknown>) =>
              method(path).handler(call),
          },
        );
      }
    },
  };
}

/** The real reflection's methods, as it would add them to a server. */
function captureMethods(services: readonly DescService[]): Map<string, RealMethod> {
  const captured = new Map<string, RealMethod>();
  const recorder = {
    addService(definition: grpc.ServiceDefinition, handlers: grpc.UntypedServiceImplementation) {
      for (const [name, method] of Object.entries(definition)) {
        captured.set(method.path, {
          definition: method as grpc.MethodDefinition<unknown, unknown>,
          handler: handlers[name] as grpc.handleBidiStreamingCall<unknown, unknown>,
        });
      }
    },
  };
  reflectionService(services).addToServer(recorder as unknown as grpc.Server);
  return captured;
}
