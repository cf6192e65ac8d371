import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { type MeshOptions, type ServiceName, startMesh } from "../deploy/local/mesh.js";
import { ensureTrustDomain, type TrustDomain } from "../deploy/local/trust-domain.js";
import { OrderService } from "../services/gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../services/gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient } from "../services/kit/index.js";
import { checkServerIdentity } from "../services/kit/trust/index.js";
import { measureCase } from "./measure.js";
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
}

// CreateOrder's critical path: client → order, then user and product in parallel, then
// ReserveStock: three hops one after another.
const createOrderHops = 3;

/** Runs the stack in plaintext, then with mTLS, and compares. */
export async function measureMtlsCost(options: MtlsBenchOptions): Promise<MtlsCost> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-bench-trust-"));
  try {
    const domain = await ensureTrustDomain({ dir });
    const plain = await measureSide("plaintext", "plaintext", options);
    const mtls = await measureSide("mTLS", domain, options, plain);
    const ratio = (i: number) => (mtls.cases[i]?.rps ?? 0) / (plain.cases[i]?.rps ?? 1);
    const addedP50 = (i: number) => (mtls.cases[i]?.p50Ms ?? 0) - (plain.cases[i]?.p50Ms ?? 0);
    const perHop = [addedP50(0), addedP50(1) / createOrderHops];
    return {
      results: [...plain.cases, ...mtls.cases],
      handshake: { mtls: mtls.handshake, tcpOnly: plain.handshake },
      ratios: [
        {
          name: "mTLS / plaintext GetProduct throughput (Node client)",
          value: ratio(0),
          target: ">= 0.85",
          met: ratio(0) >= 0.85,
        },
        {
          name: "mTLS / plaintext CreateOrder throughput (Node client)",
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
    await rm(dir, { recursive: true, force: true });
  }
}

interface Side {
  /** GetProduct, then CreateOrder. */
  readonly cases: CaseResult[];
  readonly handshake: HandshakeTimes;
}

async function measureSide(
  label: string,
  trust: TrustDomain | "plaintext",
  options: MtlsBenchOptions,
  // Latency is compared at one rate: half of the plaintext side's saturation.
  plain?: Side,
): Promise<Side> {
  options.log(`stack: ${label} (Node client)`);
  const mesh = await startMesh({ ...options.mesh, trust });
  try {
    const pids = Object.fromEntries(
      (["user", "product", "order"] as const).map((n) => [n, mesh.process(n)?.pid ?? 0]),
    );
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
      const calls = [
        () => products.getProduct({ id: productId }),
        () =>
          orders.createOrder({
            requestId: randomUUID(),
            userId,
            items: [{ productId, quantity: 1 }],
          }),
      ];
      const names = ["GetProduct", "CreateOrder"];
      const load = {
        concurrency: options.shape.concurrency,
        durationSeconds: options.shape.seconds,
      };
      const cases: CaseResult[] = [];
      for (const [i, call] of calls.entries()) {
        cases.push(
          await measureCase({
            name: `${names[i]}, full stack, ${label} (Node client)`,
            pids,
            reps: options.shape.reps,
            saturate: () => runUnaryLoad(call, load),
            fixedRateOf: (saturation) => plain?.cases[i]?.rate ?? saturation / 2,
            atRate: (rate) => runUnaryLoad(call, { ...load, rate }),
          }),
        );
      }
      const handshake = await handshakeTimes(
        mesh.addresses.product,
        options.handshakes,
        trust === "plaintext"
          ? undefined
          : { domain: trust, client: "operator", server: "product" },
      );
      return { cases, handshake };
    } finally {
      for (const c of [users, products, orders]) c.close();
    }
  } finally {
    await mesh.stopAll();
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
