import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import {
  type Mesh,
  type MeshOptions,
  type ServiceName,
  serviceNames,
  startMesh,
} from "../deploy/local/mesh.js";
import { ensureTrustDomain, type TrustDomain } from "../deploy/local/trust-domain.js";
import { OrderService } from "../services/gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../services/gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient } from "../services/kit/index.js";
import { checkServerIdentity } from "../services/kit/trust/index.js";
import { type CaseSpec, median } from "./measure.js";
import { measurePair, type PairedResult } from "./paired-cases.js";
import { benchPorts } from "./ports.js";
import type { CaseResult, Ratio } from "./report.js";
import { type HandshakeTimes, handshakeTimes } from "./tls-handshake.js";
import { runUnaryLoad } from "./unary-load.js";

// mTLS on and off in the same run, driven the same way: h2load cannot present a client
// certificate, so both sides of each comparison use the Node client (grpc-js), never h2load.

/** What the mTLS cases take from the benchmark run. */
export interface MtlsBenchOptions {
  readonly shape: { seconds: number; reps: number; concurrency: number };
  /** Handshakes timed per side. */
  readonly handshakes: number;
  readonly mesh: Omit<MeshOptions, "trust">;
  readonly log: (line: string) => void;
}

/** The cases, the ratios against the targets, and the handshake times. */
export interface MtlsCost {
  readonly results: CaseResult[];
  readonly ratios: Ratio[];
  readonly handshake: { readonly mtls: HandshakeTimes; readonly tcpOnly: HandshakeTimes };
  /** mTLS / plaintext throughput of each pair of runs, ascending: the spread behind the ratio. */
  readonly pairedRatios: { readonly getProduct: number[]; readonly createOrder: number[] };
}

// CreateOrder's critical path: client → order, then user and product in parallel, then
// ReserveStock: three hops one after another.
const createOrderHops = 3;
// The mTLS stack runs beside the plaintext one (same databases), on ports of its own.
const mtlsPortOffset = benchPorts.pairedOffset;

/**
 * Runs the stack in plaintext and with mTLS side by side (both started, one loaded at a time)
 * and compares them run by run in turn, so that the machine's changing load hits both alike.
 */
export async function measureMtlsCost(options: MtlsBenchOptions): Promise<MtlsCost> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-trust-"));
  const sides: Side[] = [];
  try {
    const domain = await ensureTrustDomain({ dir });
    options.log("stack: plaintext and mTLS side by side (Node client)");
    sides.push(await startSide("plaintext", "plaintext", options.mesh));
    sides.push(await startSide("mTLS", domain, shifted(options.mesh, mtlsPortOffset)));
    const [plain, mtls] = sides as [Side, Side];
    const load = { concurrency: options.shape.concurrency, durationSeconds: options.shape.seconds };
    const spec = (side: Side, i: number): CaseSpec => ({
      name: `${caseNames[i]}, full stack, ${side.label} (Node client)`,
      pids: side.pids,
      saturate: () => runUnaryLoad(side.calls[i] ?? noCall, load),
      atRate: (rate) => runUnaryLoad(side.calls[i] ?? noCall, { ...load, rate }),
    });
    const pairs: PairedResult[] = [];
    for (const i of caseNames.keys()) {
      options.log(`mTLS against plaintext: ${caseNames[i]}, in turn`);
      pairs.push(
        await measurePair(spec(plain, i), spec(mtls, i), options.shape.reps, (s) => s / 2),
      );
    }
    const handshake = {
      tcpOnly: await handshakeTimes(plain.mesh.addresses.product, options.handshakes),
      mtls: await handshakeTimes(mtls.mesh.addresses.product, options.handshakes, {
        domain,
        client: "operator",
        server: "product",
      }),
    };
    const results = pairs.flatMap((pair) => [...pair.results]);
    const ratio = (i: number) => median(pairs[i]?.throughputRatios ?? []);
    const addedP50 = (i: number) =>
      (pairs[i]?.results[1].p50Ms ?? 0) - (pairs[i]?.results[0].p50Ms ?? 0);
    const perHop = [addedP50(0), addedP50(1) / createOrderHops];
    return {
      results,
      handshake,
      pairedRatios: {
        getProduct: [...(pairs[0]?.throughputRatios ?? [])],
        createOrder: [...(pairs[1]?.throughputRatios ?? [])],
      },
      ratios: [
        {
          name: "mTLS / plaintext GetProduct throughput (Node client, median of paired runs)",
          value: ratio(0),
          target: ">= 0.85",
          met: ratio(0) >= 0.85,
        },
        {
          name: "mTLS / plaintext CreateOrder throughput (Node client, median of paired runs)",
          value: ratio(1),
          target: ">= 0.85",
          met: ratio(1) >= 0.85,
        },
        {
          name: "mTLS added p50 per hop, GetProduct at half saturation (ms)",
          value: perHop[0] ?? 0,
          target: "<= 0.2",
          met: (perHop[0] ?? 0) <= 0.2,
        },
        {
          name: `mTLS added p50 per hop, CreateOrder at half saturation (ms, ${createOrderHops} hops)`,
          value: perHop[1] ?? 0,
          target: "<= 0.2",
          met: (perHop[1] ?? 0) <= 0.2,
        },
      ],
    };
  } finally {
    for (const side of sides) await side.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const caseNames = ["GetProduct", "CreateOrder"];
const noCall = () => Promise.reject(new Error("no such case"));

interface Side {
  readonly label: string;
  readonly mesh: Mesh;
  readonly pids: Record<string, number>;
  /** GetProduct, then CreateOrder, each one call. */
  readonly calls: (() => Promise<unknown>)[];
  close(): Promise<void>;
}

/** The mesh options on ports `offset` higher (a second stack beside the first). */
function shifted(mesh: Omit<MeshOptions, "trust">, offset: number): Omit<MeshOptions, "trust"> {
  const shift = (ports: Readonly<Record<ServiceName, number>>) =>
    Object.fromEntries(serviceNames.map((n) => [n, ports[n] + offset])) as Record<
      ServiceName,
      number
    >;
  return { ...mesh, ports: shift(mesh.ports), healthPorts: shift(mesh.healthPorts) };
}

async function startSide(
  label: string,
  trust: TrustDomain | "plaintext",
  options: Omit<MeshOptions, "trust">,
): Promise<Side> {
  const mesh = await startMesh({ ...options, trust });
  const client = <S extends Parameters<typeof createServiceClient>[0]>(
    service: S,
    name: ServiceName,
  ) =>
    createServiceClient(service, {
      dependency: name,
      target: mesh.addresses[name],
      timeoutMs: 10_000,
      ...(trust === "plaintext" ? {} : operatorDial(trust, name)),
    });
  const users = client(UserService, "user");
  const products = client(ProductService, "product");
  const orders = client(OrderService, "order");
  const close = async () => {
    for (const c of [users, products, orders]) c.close();
    await mesh.stopAll();
  };
  try {
    const userId = (
      await users.createUser({ email: `${randomUUID()}@bench.example`, displayName: "Bench" })
    ).id;
    const productId = (
      await products.createProduct({
        sku: randomUUID(),
        name: "Bench",
        price: { currencyCode: "EUR", minorUnits: 100n },
        stock: 2_000_000_000,
      })
    ).id;
    return {
      label,
      mesh,
      pids: Object.fromEntries(serviceNames.map((n) => [n, mesh.process(n)?.pid ?? 0])),
      calls: [
        () => products.getProduct({ id: productId }),
        () =>
          orders.createOrder({
            requestId: randomUUID(),
            userId,
            items: [{ productId, quantity: 1 }],
          }),
      ],
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The operator's certificate, pinning `server`'s SPIFFE ID (as the CLI dials). */
export function operatorDial(domain: TrustDomain, server: ServiceName) {
  const expected = domain.identities[server];
  return {
    credentials: grpc.credentials.createSsl(
      readFileSync(domain.caFile),
      readFileSync(domain.keyFile("operator")),
      readFileSync(domain.certFile("operator")),
      { checkServerIdentity: (_host, certificate) => checkServerIdentity(certificate, expected) },
    ),
    channelOptions: { "grpc.ssl_target_name_override": server },
  };
}
