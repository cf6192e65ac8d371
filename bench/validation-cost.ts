import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { createValidator } from "@bufbuild/protovalidate";
import { CreateOrderRequestSchema } from "../services/gen/shopmesh/order/v1/order_service_pb.js";
import { CreateProductRequestSchema } from "../services/gen/shopmesh/product/v1/product_service_pb.js";
import { CreateUserRequestSchema } from "../services/gen/shopmesh/user/v1/user_service_pb.js";
import { brokenRules } from "../services/kit/index.js";
import {
  oldCreateOrderChecks,
  oldCreateProductChecks,
  oldCreateUserChecks,
} from "./old-field-checks.js";

/** µs per call of each way to check one message. */
export interface ValidationCost {
  readonly message: string;
  /** The kit's path: protovalidate's native rules, violations turned into the API's texts. */
  readonly protovalidateMicros: number;
  /** The same rules with protovalidate's native rules off: every rule through CEL. */
  readonly celOnlyMicros: number;
  /** The TypeScript checks the handlers ran before (bench/old-field-checks.ts). */
  readonly oldChecksMicros: number;
}

const celOnly = createValidator({ disableNativeRules: true });

/** The messages measured, each with the old check of the same request. */
function messages() {
  const item = () => ({ productId: randomUUID(), quantity: 2 });
  const order = { requestId: randomUUID(), userId: randomUUID(), items: [item(), item(), item()] };
  const wrongOrder = {
    requestId: "",
    userId: randomUUID(),
    items: [
      { productId: "x", quantity: 0 },
      { productId: randomUUID(), quantity: 0 },
    ],
  };
  const user = { email: "grace@example.com", displayName: "Grace Hopper" };
  const price = { currencyCode: "EUR", minorUnits: 1999n };
  const product = { sku: "SKU-1", name: "A widget", price, stock: 10 };
  return [
    ["CreateOrder, 3 items", CreateOrderRequestSchema, order, () => oldCreateOrderChecks(order)],
    [
      "CreateOrder, every item wrong",
      CreateOrderRequestSchema,
      wrongOrder,
      () => oldCreateOrderChecks(wrongOrder),
    ],
    ["CreateUser", CreateUserRequestSchema, user, () => oldCreateUserChecks(user)],
    ["CreateProduct", CreateProductRequestSchema, product, () => oldCreateProductChecks(product)],
  ] as const;
}

/**
 * What checking a request's field rules costs per call, in µs, on the same messages: the kit's
 * protovalidate path, protovalidate with every rule in CEL, and the old TypeScript checks.
 * Median of `reps` rounds of `calls` calls each, after a warm-up round; in-process, no I/O.
 */
export function validationCost(calls = 100_000, reps = 5): ValidationCost[] {
  return messages().map(([name, schema, init, old]) => {
    const message = create(schema as DescMessage, init as never) as MessageShape<DescMessage>;
    const kit = () => brokenRules(schema, message as never);
    const cel = () => celOnly.validate(schema, message as never);
    const oldChecks = () => {
      try {
        old();
      } catch {
        // The invalid message's violations: thrown, as the handlers threw them.
      }
    };
    return {
      message: name,
      protovalidateMicros: microsPerCall(kit, calls, reps),
      celOnlyMicros: microsPerCall(cel, Math.ceil(calls / 10), reps),
      oldChecksMicros: microsPerCall(oldChecks, calls, reps),
    };
  });
}

function microsPerCall(run: () => unknown, calls: number, reps: number): number {
  const round = () => {
    const start = performance.now();
    for (let n = 0; n < calls; n++) run();
    return ((performance.now() - start) * 1000) / calls;
  };
  round(); // warm-up: plans, regexes, JIT
  const rounds = Array.from({ length: reps }, round).sort((a, b) => a - b);
  return rounds[Math.floor(reps / 2)] ?? Number.NaN;
}

/** One line per message, for the report. */
export function validationCostLines(costs: readonly ValidationCost[]): string {
  return costs
    .map(
      (cost) =>
        `validation of ${cost.message}: protovalidate ${cost.protovalidateMicros.toFixed(2)} µs, ` +
        `all-CEL ${cost.celOnlyMicros.toFixed(2)} µs, old TypeScript checks ${cost.oldChecksMicros.toFixed(2)} µs per call`,
    )
    .join("\n");
}

// `node dist/bench/validation-cost.js`: this part alone (seconds, no mesh).
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(validationCostLines(validationCost()));
}
