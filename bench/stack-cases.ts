import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import type { Mesh } from "../deploy/local/mesh.js";
import { GetProductRequestSchema } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { GetUserRequestSchema } from "../services/gen/shopmesh/user/v1/user_service_pb.js";
import { shape } from "./bench-shape.js";
import { createOrderCase, type OrderFixture } from "./create-order-case.js";
import { h2loadCase } from "./h2load-case.js";
import type { CaseResult } from "./report.js";
import { clientsOf, type StackContext, withStack } from "./stack.js";
import { cacheMissCase, heapCapOptions, heapCappedCase, uncappedCase } from "./targets.js";
import { runUnaryLoad } from "./unary-load.js";

/** What the stack cases measured, for the report and the ratios. */
export interface StackCasesResult {
  readonly results: CaseResult[];
  /** GetUser's p50 at the low fixed rate, from the same Node client as CreateOrder. */
  readonly getUserLowRateP50Ms: number;
}

const getProductAt = (mesh: Mesh) =>
  `http://${mesh.addresses.product}/shopmesh.product.v1.ProductService/GetProduct`;

/** Creates the user and the product every case reads (stock CreateOrder cannot exhaust). */
export async function createFixture(mesh: Mesh): Promise<OrderFixture> {
  const { users, products } = clientsOf(mesh);
  try {
    const email = `${randomUUID()}@bench.example`;
    const userId = (await users.createUser({ email, displayName: "Bench" })).id;
    const price = { currencyCode: "EUR", minorUnits: 100n };
    const product = { sku: randomUUID(), name: "Bench", price, stock: 2_000_000_000 };
    const productId = (await products.createProduct(product)).id;
    return { userId, productId };
  } finally {
    users.close();
    products.close();
  }
}

/**
 * The mesh's cases: the full stack (GetProduct, GetUser, CreateOrder), then what parts cost:
 * spans off (metrics still on), spans sampled at 10%, no telemetry SDK at all, no V8 flags (the
 * other stacks run with the chart's NODE_OPTIONS), V8's heap capped tighter, breakers off. `rate` is the floor's fixed rate.
 */
export async function runStackCases(
  context: StackContext,
  rate: number,
): Promise<StackCasesResult> {
  const results: CaseResult[] = [];
  let fixture: OrderFixture = { userId: "", productId: "" };
  let getUserLowRateP50Ms = Number.NaN;
  await withStack(context, "full stack, tracing at 100% (the default)", {}, async (mesh, pids) => {
    fixture = await createFixture(mesh);
    const getProduct = toBinary(
      GetProductRequestSchema,
      create(GetProductRequestSchema, { id: fixture.productId }),
    );
    const getUser = toBinary(
      GetUserRequestSchema,
      create(GetUserRequestSchema, { id: fixture.userId }),
    );
    results.push(
      await h2loadCase("GetProduct, full stack", getProductAt(mesh), getProduct, pids, () => rate),
    );
    results.push(
      await h2loadCase(
        "GetUser, full stack",
        `http://${mesh.addresses.user}/shopmesh.user.v1.UserService/GetUser`,
        getUser,
        pids,
        () => rate,
      ),
    );
    results.push(
      await createOrderCase("CreateOrder, full stack (Node client)", mesh, pids, fixture),
    );
    // The fan-out target compares CreateOrder with one plain read, both at the low fixed rate
    // from the same Node client, so client overhead cancels out.
    const { users } = clientsOf(mesh);
    try {
      const lowGetUser = await runUnaryLoad(() => users.getUser({ id: fixture.userId }), {
        concurrency: shape.concurrency,
        durationSeconds: shape.seconds,
        rate: shape.lowRate,
      });
      getUserLowRateP50Ms = lowGetUser.p50Ms;
    } finally {
      users.close();
    }
  });
  const productMessage = () =>
    toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { id: fixture.productId }));
  const variants: { name: string; env: Record<string, string>; alsoOrders?: string }[] = [
    {
      name: "GetProduct, tracing off",
      env: { OTEL_TRACES_EXPORTER: "none" },
      alsoOrders: "CreateOrder, breakers on, tracing off",
    },
    {
      name: "GetProduct, tracing 10%",
      env: { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" },
    },
    { name: "GetProduct, no telemetry SDK", env: { OTEL_SDK_DISABLED: "true" } },
    // The read cache on, but no row fits in it: every read takes the miss path to PostgreSQL,
    // as reads over a key space larger than the cache do.
    { name: cacheMissCase, env: { CACHE_MAX_BYTES: "1" } },
    // V8 left to size the heap itself: what the chart's flags are judged against.
    { name: uncappedCase, env: { NODE_OPTIONS: "" } },
    {
      name: heapCappedCase,
      env: { NODE_OPTIONS: heapCapOptions },
      alsoOrders: "CreateOrder, heap capped",
    },
  ];
  for (const { name, env, alsoOrders } of variants) {
    await withStack(context, name, env, async (mesh, pids) => {
      results.push(await h2loadCase(name, getProductAt(mesh), productMessage(), pids, () => rate));
      if (alsoOrders) results.push(await createOrderCase(alsoOrders, mesh, pids, fixture));
    });
  }
  await withStack(
    context,
    "breakers off",
    { OTEL_TRACES_EXPORTER: "none", CIRCUIT_BREAKERS_ENABLED: "false" },
    async (mesh, pids) => {
      results.push(
        await createOrderCase("CreateOrder, breakers off, tracing off", mesh, pids, fixture),
      );
    },
  );
  return { results, getUserLowRateP50Ms };
}
