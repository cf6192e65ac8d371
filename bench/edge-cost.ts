import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { startLocalEdge } from "../deploy/local/edge.js";
import { GetProductRequestSchema } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { log, shape, smoke } from "./bench-shape.js";
import { h2loadCase } from "./h2load-case.js";
import { type JwtVerifyCost, measureJwtVerify } from "./jwt-verify.js";
import { benchPorts } from "./ports.js";
import type { CaseResult, Ratio } from "./report.js";
import { type StackContext, stackMeshOptions, withStack } from "./stack.js";
import { createFixture } from "./stack-cases.js";

/** The edge's cases, its targets, and the token check's cost. */
export interface EdgeCost {
  readonly results: CaseResult[];
  readonly ratios: Ratio[];
  readonly jwt: JwtVerifyCost;
}

const edgePort = benchPorts.edge;
const getProductPath = "/shopmesh.product.v1.ProductService/GetProduct";
// The door's abuse limits would refuse a load generator on one address: lifted for the bench.
const unlimited = String(1_000_000_000);
// HTTP/1.1 has one request in flight per connection: as many connections as h2load has
// streams over HTTP/2 would be unfair to the edge; browsers open a few per origin, so 8 each.
const h1Clients = shape.clients * 8;

/**
 * GetProduct through the edge (gRPC over HTTP/2, Connect JSON over HTTP/1.1 as curl and
 * browsers send it, and gRPC with a bearer token) against direct gRPC to the product service,
 * all against the same stack in the same run. The edge cases count the edge's CPU alone, so
 * "server CPU µs/req" is what the door costs; latencies at each case's half saturation.
 */
export async function measureEdgeCost(context: StackContext): Promise<EdgeCost> {
  const results: CaseResult[] = [];
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-edge-"));
  try {
    await withStack(context, "the edge in front", {}, async (mesh, pids) => {
      const { productId } = await createFixture(mesh);
      const { address, edge, issuer } = await startLocalEdge({
        host: "127.0.0.1",
        port: edgePort,
        dataDir,
        addresses: mesh.addresses,
        trust: "plaintext",
        onOutput: () => {},
        env: {
          ...stackMeshOptions(context).env,
          RATE_LIMIT_ADDRESS_PER_SECOND: unlimited,
          RATE_LIMIT_ADDRESS_BURST: unlimited,
          RATE_LIMIT_USER_PER_SECOND: unlimited,
          RATE_LIMIT_USER_BURST: unlimited,
        },
      });
      try {
        const edgePids = { edge: edge.child?.pid ?? 0 };
        const grpcRequest = toBinary(
          GetProductRequestSchema,
          create(GetProductRequestSchema, { id: productId }),
        );
        const jsonRequest = new TextEncoder().encode(JSON.stringify({ id: productId }));
        const halfSaturation = (saturation: number) => (smoke ? 100 : saturation / 2);
        const token = await issuer.issueForEmail("bench@example.com");
        const at = (host: string) => `http://${host}${getProductPath}`;
        log("edge: GetProduct direct, through the edge with gRPC, Connect JSON, a token");
        results.push(
          await h2loadCase(
            "GetProduct, direct gRPC (edge baseline; CPU: product)",
            at(mesh.addresses.product),
            grpcRequest,
            { product: pids.product ?? 0 },
            halfSaturation,
          ),
          await h2loadCase(
            "GetProduct via the edge, gRPC (CPU: edge)",
            at(address),
            grpcRequest,
            edgePids,
            halfSaturation,
          ),
          await h2loadCase(
            "GetProduct via the edge, Connect JSON over HTTP/1.1 (CPU: edge)",
            at(address),
            jsonRequest,
            edgePids,
            halfSaturation,
            { connectJson: true, clients: h1Clients, streams: 1 },
          ),
          await h2loadCase(
            "GetProduct via the edge, gRPC, signed in (CPU: edge)",
            at(address),
            grpcRequest,
            edgePids,
            halfSaturation,
            { headers: [`authorization: Bearer ${token}`] },
          ),
        );
      } finally {
        await edge.close();
      }
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  const jwt = await measureJwtVerify(smoke ? 200 : 20_000);
  return { results, ratios: edgeRatios(results, jwt), jwt };
}

function edgeRatios(results: readonly CaseResult[], jwt: JwtVerifyCost): Ratio[] {
  const [direct, grpc, json] = results;
  const ratio = (side: CaseResult | undefined) => (side?.rps ?? 0) / (direct?.rps ?? 1);
  return [
    {
      name: "GetProduct via the edge (gRPC) / direct throughput",
      value: ratio(grpc),
      target: ">= 0.5",
      met: ratio(grpc) >= 0.5,
    },
    {
      name: "GetProduct via the edge (Connect JSON, HTTP/1.1) / direct throughput",
      value: ratio(json),
      target: ">= 0.5",
      met: ratio(json) >= 0.5,
    },
    {
      name: "JWT verification per call, warm cache (µs)",
      value: jwt.warmMicros,
      target: "<= 50",
      met: jwt.warmMicros <= 50,
    },
    {
      name: "JWT verification per call, first sight of a token, ES256 (µs, reported)",
      value: jwt.coldMicros,
      target: "—",
      met: true,
    },
  ];
}
