import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetProductRequestSchema,
  ProductSchema,
  ProductService,
} from "../../gen/shopmesh/product/v1/product_service_pb.js";
import { grpcStreamTaker } from "./grpc-stream.js";
import type { ServedMethod } from "./served-unary.js";

// The gRPC stream path's framing and limits over a real HTTP/2 connection on loopback: one
// message in, the handler's answer out; a body over the limit or a second message is refused
// without being kept, and what it does not serve is left to the compatibility layer.
const served: ServedMethod = {
  path: "/shopmesh.product.v1.ProductService/GetProduct",
  method: ProductService.method.getProduct,
  call: async (request) => create(ProductSchema, { id: (request as { id: string }).id, stock: 3 }),
  observe: () => {},
};
let server: http2.Http2Server;
let session: http2.ClientHttp2Session;
const leftAlone: string[] = [];

beforeAll(async () => {
  const take = grpcStreamTaker([served], { readMaxBytes: 1024 });
  server = http2.createServer();
  server.on("stream", (stream, headers) => {
    if (take(stream, headers)) return;
    leftAlone.push(String(headers[":path"]));
    stream.respond({ ":status": 404 }, { endStream: true });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  session.close();
  await new Promise((resolve) => server.close(resolve));
});

const frame = (message: Uint8Array) => {
  const bytes = Buffer.alloc(5 + message.length);
  bytes.writeUInt32BE(message.length, 1);
  bytes.set(message, 5);
  return bytes;
};
const request = frame(
  toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { id: "p-1" })),
);

/**
 * Sends `body` to `path` (and ends the request unless `keepOpen`); the response's status,
 * trailers and body.
 */
function call(body: Buffer, path = served.path, keepOpen = false) {
  return new Promise<{ status: number; trailers: http2.IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      const stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
      });
      let status = 0;
      let trailers: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on("response", (headers) => {
        status = Number(headers[":status"]);
      });
      stream.on("trailers", (received) => {
        trailers = received;
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        resolve({ status, trailers, body: Buffer.concat(chunks) });
        stream.close();
      });
      stream.on("error", reject);
      if (keepOpen) stream.write(body);
      else stream.end(body);
    },
  );
}

describe("the gRPC stream path", () => {
  it("answers one message with the handler's response and grpc-status 0", async () => {
    const { status, trailers, body } = await call(request);
    expect(status).toBe(200);
    expect(trailers["grpc-status"]).toBe("0");
    expect(body.subarray(5)).toEqual(
      Buffer.from(toBinary(ProductSchema, create(ProductSchema, { id: "p-1", stock: 3 }))),
    );
  });

  it("refuses a body over the limit from its length prefix", async () => {
    const big = frame(Buffer.alloc(4096, 1));
    const { trailers } = await call(big);
    expect(trailers).toMatchObject({
      "grpc-status": "8",
      "grpc-message": encodeURIComponent(
        "message size 4096 is larger than configured readMaxBytes 1024",
      ),
    });
  });

  it("refuses a second message as it arrives (a unary call has one), not at the end", async () => {
    // The request stays open: an answer proves the body was not being kept until its end.
    const { trailers } = await call(Buffer.concat([request, request]), served.path, true);
    expect(trailers["grpc-status"]).toBe("12");
  });

  it("refuses a call without a message and bytes that are no message", async () => {
    expect((await call(Buffer.alloc(0))).trailers["grpc-status"]).toBe("12");
    expect((await call(frame(Buffer.from([0x0a, 0xff])))).trailers["grpc-status"]).toBe("3");
  });

  it("leaves other paths to whoever comes next", async () => {
    expect((await call(request, "/shopmesh.product.v1.ProductService/ListProducts")).status).toBe(
      404,
    );
    expect(leftAlone).toEqual(["/shopmesh.product.v1.ProductService/ListProducts"]);
  });
});
