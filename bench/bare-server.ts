import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { MoneySchema } from "../services/gen/shopmesh/common/v1/money_pb.js";
import type {
  GetProductRequest,
  Product,
} from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import {
  GetProductRequestSchema,
  ProductSchema,
} from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { benchPorts } from "./ports.js";

/**
 * The benchmark floor B0: grpc-js and protobuf-es alone, serving only
 * `shopmesh.product.v1.ProductService/GetProduct` with one Product held in memory. No kit, no
 * database, no validation, no logging, so the gap between this and the real product service is
 * what those cost. Not yet bound: call `bindAsync` on it.
 */
export function bareProductServer(): grpc.Server {
  // Encoded on every response, as the real service does: the floor keeps the costs any
  // protobuf-es server pays (decode the request, encode the reply) and drops everything else.
  const product = create(ProductSchema, {
    id: "00000000-0000-4000-8000-000000000001",
    sku: "BENCH-1",
    name: "Benchmark product",
    price: create(MoneySchema, { currencyCode: "EUR", minorUnits: 1999n }),
    stock: 100,
    createTime: timestampFromMs(Date.UTC(2024, 0, 1)),
  });
  const server = new grpc.Server();
  server.addService(
    {
      GetProduct: {
        path: "/shopmesh.product.v1.ProductService/GetProduct",
        requestStream: false,
        responseStream: false,
        requestSerialize: (message: GetProductRequest) =>
          toBuffer(GetProductRequestSchema, message),
        requestDeserialize: (bytes: Buffer) => fromBinary(GetProductRequestSchema, bytes),
        responseSerialize: (message: Product) => toBuffer(ProductSchema, message),
        responseDeserialize: (bytes: Buffer) => fromBinary(ProductSchema, bytes),
      },
    },
    {
      GetProduct: (
        _call: grpc.ServerUnaryCall<GetProductRequest, Product>,
        callback: grpc.sendUnaryData<Product>,
      ) => callback(null, product),
    },
  );
  return server;
}

/** grpc-js wants a Buffer; wrapping the encoder's bytes copies nothing. */
function toBuffer<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Buffer {
  const bytes = toBinary(schema, message);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** True when this file is the process's entry point rather than imported (by a test). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const host = process.env.HOST ?? "127.0.0.1";
  const port = Number(process.env.PORT ?? benchPorts.bare);
  const server = bareProductServer();
  const address = host.includes(":") ? `[${host}]` : host;
  server.bindAsync(
    `${address}:${port}`,
    grpc.ServerCredentials.createInsecure(),
    (error, bound) => {
      if (error) {
        console.error(`bare server cannot bind ${address}:${port}: ${error.message}`);
        process.exit(1);
      }
      // The harness waits for this exact line before it starts loading.
      console.log(`bare server listening on ${host}:${bound}`);
    },
  );
  // No draining: the harness stops the server after the load has ended.
  const stop = (): void => {
    server.forceShutdown();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
