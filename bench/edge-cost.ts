import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { startLocalEdge } from "../deploy/local/edge.js";
import {
  GetProductRequestSchema,
  ProductService,
} from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { log, shape, smoke } from "./bench-shape.js";
import { chartNodeOptions } from "./chart-settings.js";
import { h2loadSpec } from "./h2load-case.js";
import { type JwtVerifyCost, measureJwtVerify } from "./jwt-verify.js";
import {
  type CaseSpec,
  caseResult,
  median,
  type SaturationSample,
  saturationSample,
} from "./measure.js";
import { benchPorts } from "./ports.js";
import type { CaseResult, Ratio } from "./report.js";
import { type StackContext, stackMeshOptions, withStack } from "./stack.js";
import { createFixture } from "./stack-cases.js";

/** The edge's cases, its targets, the per-round ratios, and the token check's cost. */
export interface EdgeCost {
  readonly results: CaseResult[];
  readonly ratios: Ratio[];
  /** Throughput of each edge case over direct, per round of runs in turn, ascending. */
  readonly pairedRatios: Readonly<Record<string, readonly number[]>>;
  readonly jwt: JwtVerifyCost;
}

const edgePort = benchPorts.edge;
const getProductPath = "/shopmesh.product.v1.ProductService/GetProduct";
// The door's abuse limits would refuse a load generator on one address: lifted for the bench.
const unlimited = String(1_000_000_000);
// HTTP/1.1 has one request in flight per connection: as many connections as h2load has
// streams over HTTP/2 would be unfair to the edge; browsers open a few per origin, so 8 each.
const h1Clients = shape.clients * 8;

/** The case names, as the report and the ratios name them. */
export const edgeCases = {
  direct: "GetProduct, direct gRPC (edge baseline; CPU: product)",
  grpc: "GetProduct via the edge, gRPC (CPU: edge)",
  json: "GetProduct via the edge, Connect JSON over HTTP/1.1 (CPU: edge)",
  connectGrpc:
    "GetProduct via the edge, gRPC through connect-node (KIT_UNARY_PATHS=false; CPU: edge)",
} as const;

/**
 * GetProduct through the edge (gRPC over HTTP/2 on the edge's stream path, Connect JSON over
 * HTTP/1.1 as curl and browsers send it, and gRPC through
 * connect-node as before the stream path) against direct gRPC to the product service, all
 * against the same stack. The cases run **in turn**, round after round (direct, gRPC, JSON, …),
 * so each round sees about the same machine; the ratios are the medians of the rounds' ratios.
 * The edge cases count the edge's CPU alone, so "server CPU µs/req" is what the door costs.
 */
export async function measureEdgeCost(context: StackContext): Promise<EdgeCost> {
  let results: CaseResult[] = [];
  const pairedRatios: Record<string, number[]> = {};
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-edge-"));
  try {
    await withStack(context, "the edge in front", {}, async (mesh, pids) => {
      const { productId } = await createFixture(mesh);
      const edgeEnv = {
        ...stackMeshOptions(context).env,
        // As the chart runs the edge; BENCH_EDGE_NODE_OPTIONS measures other V8 flags ("" none).
        NODE_OPTIONS: process.env.BENCH_EDGE_NODE_OPTIONS ?? chartNodeOptions("edge"),
        RATE_LIMIT_ADDRESS_PER_SECOND: unlimited,
        RATE_LIMIT_ADDRESS_BURST: unlimited,
        RATE_LIMIT_USER_PER_SECOND: unlimited,
        RATE_LIMIT_USER_BURST: unlimited,
      };
      const start = (port: number, env: Record<string, string>) =>
        startLocalEdge({
          host: "127.0.0.1",
          port,
          dataDir: path.join(dataDir, String(port)),
          addresses: mesh.addresses,
          trust: "plaintext",
          onOutput: () => {},
          env: { ...edgeEnv, ...env },
        });
      const edge = await start(edgePort, {});
      const before = await start(edgePort + 1, { KIT_UNARY_PATHS: "false" });
      try {
        // h2load counts HTTP 200 with any grpc-status as a success: check each door answers.
        for (const address of [edge.address, before.address]) {
          const products = createClient(
            ProductService,
            createGrpcTransport({ baseUrl: `http://${address}` }),
          );
          const read = await products.getProduct({ id: productId });
          if (read.id !== productId) throw new Error(`the edge at ${address} answered wrongly`);
        }
        const grpcRequest = toBinary(
          GetProductRequestSchema,
          create(GetProductRequestSchema, { id: productId }),
        );
        const jsonRequest = new TextEncoder().encode(JSON.stringify({ id: productId }));
        const at = (host: string) => `http://${host}${getProductPath}`;
        const edgePid = { edge: edge.edge.child?.pid ?? 0 };
        const specs: Record<keyof typeof edgeCases, CaseSpec> = {
          direct: h2loadSpec(edgeCases.direct, at(mesh.addresses.product), grpcRequest, {
            product: pids.product ?? 0,
          }),
          grpc: h2loadSpec(edgeCases.grpc, at(edge.address), grpcRequest, edgePid),
          json: h2loadSpec(edgeCases.json, at(edge.address), jsonRequest, edgePid, {
            connectJson: true,
            clients: h1Clients,
            streams: 1,
          }),
          connectGrpc: h2loadSpec(edgeCases.connectGrpc, at(before.address), grpcRequest, {
            edge: before.edge.child?.pid ?? 0,
          }),
        };
        log("edge: GetProduct direct and through the edge, in turn, round after round");
        results = await measureInTurn(specs, pairedRatios);
      } finally {
        await edge.edge.close();
        await before.edge.close();
      }
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  const jwt = await measureJwtVerify(smoke ? 200 : 20_000);
  return { results, ratios: edgeRatios(pairedRatios, jwt), pairedRatios, jwt };
}

/** `shape.reps` rounds of one saturation run per case, then each case at half its saturation. */
async function measureInTurn(
  specs: Readonly<Record<keyof typeof edgeCases, CaseSpec>>,
  pairedRatios: Record<string, number[]>,
): Promise<CaseResult[]> {
  const keys = Object.keys(specs) as (keyof typeof edgeCases)[];
  const samples = new Map<string, SaturationSample[]>(keys.map((key) => [key, []]));
  for (let round = 0; round < shape.reps; round++) {
    const sampled: Partial<Record<string, SaturationSample>> = {};
    for (const key of keys) {
      const sample = await saturationSample(specs[key]);
      sampled[key] = sample;
      samples.get(key)?.push(sample);
    }
    for (const key of keys) {
      if (key === "direct") continue;
      const ratio = (sampled[key]?.rps ?? 0) / (sampled.direct?.rps ?? 1);
      pairedRatios[edgeCases[key]] = [...(pairedRatios[edgeCases[key]] ?? []), ratio];
    }
  }
  for (const list of Object.values(pairedRatios)) list.sort((a, b) => a - b);
  const results: CaseResult[] = [];
  for (const key of keys) {
    const runs = samples.get(key) ?? [];
    const rate = smoke ? 100 : Math.max(1, Math.round(median(runs.map((r) => r.rps)) / 2));
    results.push(caseResult(specs[key], runs, rate, await specs[key].atRate(rate)));
  }
  return results;
}

function edgeRatios(paired: Readonly<Record<string, number[]>>, jwt: JwtVerifyCost): Ratio[] {
  const of = (name: string) => median(paired[name] ?? [0]);
  const target = (name: string, value: number): Ratio => ({
    name,
    value,
    target: ">= 0.5",
    met: value >= 0.5,
  });
  return [
    target("GetProduct via the edge (gRPC) / direct throughput", of(edgeCases.grpc)),
    target(
      "GetProduct via the edge (Connect JSON, HTTP/1.1) / direct throughput",
      of(edgeCases.json),
    ),
    {
      name: "GetProduct via the edge (gRPC through connect-node, the path before) / direct (reported)",
      value: of(edgeCases.connectGrpc),
      target: "—",
      met: true,
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
