import type { DescFile, DescService } from "@bufbuild/protobuf";
import { toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { ReflectionService } from "@grpc/reflection";

/**
 * Server reflection (v1 and v1alpha) for the given services, so that grpcurl and other tools
 * work with no proto files. @grpc/reflection reads serialized FileDescriptorProtos from a
 * proto-loader package definition; the generated descriptors provide the same bytes.
 */
export function reflectionService(services: readonly DescService[]): ReflectionService {
  const files = new Map<string, DescFile>();
  const collect = (file: DescFile): void => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    for (const dependency of file.dependencies) collect(dependency);
  };
  for (const service of services) collect(service.file);
  const fileDescriptorProtos = [...files.values()].map((file) =>
    Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)),
  );
  // Only `fileDescriptorProtos` is read; the key names the entry, as proto-loader would.
  const packageDefinition = { files: { format: "", type: {}, fileDescriptorProtos } };
  return new ReflectionService(packageDefinition as never, {
    services: services.map((service) => service.typeName),
  });
}
