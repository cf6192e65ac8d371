import {
  create,
  createFileRegistry,
  type FileRegistry,
  fromBinary,
  toBinary,
} from "@bufbuild/protobuf";
import {
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import {
  type ServerReflectionRequest,
  ServerReflectionRequestSchema,
  type ServerReflectionResponse,
  ServerReflectionResponseSchema,
} from "../../services/gen/grpc/reflection/v1/reflection_pb.js";
import type { Dial } from "./trust.js";

const path = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";

/** Asks a server, the way grpcurl does, what it serves and how its messages are defined. */
export async function reflect(
  dial: Dial,
  symbol: string,
): Promise<{ services: string[]; registry: FileRegistry }> {
  const [listed, described] = await exchange(dial, [
    { messageRequest: { case: "listServices", value: "" } },
    { messageRequest: { case: "fileContainingSymbol", value: symbol } },
  ]);
  const services =
    listed?.messageResponse.case === "listServicesResponse"
      ? listed.messageResponse.value.service.map((service) => service.name)
      : [];
  if (described?.messageResponse.case !== "fileDescriptorResponse") {
    throw new Error(`no descriptor for ${symbol}: ${JSON.stringify(described?.messageResponse)}`);
  }
  const files = described.messageResponse.value.fileDescriptorProto.map((bytes) =>
    fromBinary(FileDescriptorProtoSchema, bytes),
  );
  // The first file holds the symbol; the others are its imports, in no guaranteed order.
  if (!files[0]) throw new Error(`empty descriptor response for ${symbol}`);
  const set = create(FileDescriptorSetSchema, { file: importsFirst(files) });
  return { services, registry: createFileRegistry(set) };
}

/**
 * `files` ordered so each comes after what it imports, as a registry must add them (protobuf-es
 * 2.13's resolver form mis-orders a file imported both directly and through another, as
 * buf/validate/validate.proto is by order_service.proto and money.proto).
 */
function importsFirst(files: readonly FileDescriptorProto[]): FileDescriptorProto[] {
  const byName = new Map(files.map((file) => [file.name, file]));
  const ordered: FileDescriptorProto[] = [];
  const placed = new Set<string>();
  const place = (file: FileDescriptorProto): void => {
    if (placed.has(file.name)) return;
    placed.add(file.name);
    for (const name of file.dependency) {
      const imported = byName.get(name);
      if (!imported) throw new Error(`${file.name} imports ${name}, which reflection did not send`);
      place(imported);
    }
    ordered.push(file);
  };
  for (const file of files) place(file);
  return ordered;
}

function exchange(
  dial: Dial,
  requests: Omit<ServerReflectionRequest, "$typeName" | "host">[],
): Promise<ServerReflectionResponse[]> {
  const client = new grpc.Client(dial.target, dial.credentials, dial.channelOptions);
  const call = client.makeBidiStreamRequest(
    path,
    (request: ServerReflectionRequest) =>
      Buffer.from(toBinary(ServerReflectionRequestSchema, request)),
    (bytes: Buffer) => fromBinary(ServerReflectionResponseSchema, bytes),
    new grpc.Metadata(),
    { deadline: Date.now() + 5_000 },
  );
  const responses: ServerReflectionResponse[] = [];
  return new Promise<ServerReflectionResponse[]>((resolve, reject) => {
    call.on("data", (response: ServerReflectionResponse) => {
      responses.push(response);
      if (responses.length === requests.length) call.end();
    });
    call.on("error", reject);
    call.on("end", () => resolve(responses));
    for (const request of requests) {
      call.write(create(ServerReflectionRequestSchema, { host: "", ...request }));
    }
  }).finally(() => client.close());
}
