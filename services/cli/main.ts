#!/usr/bin/env node
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { HealthListResponseSchema } from "../gen/grpc/health/v1/health_pb.js";
import {
  ListOrdersResponseSchema,
  OrderSchema,
} from "../gen/shopmesh/order/v1/order_service_pb.js";
import {
  ListProductsResponseSchema,
  ProductSchema,
} from "../gen/shopmesh/product/v1/product_service_pb.js";
import { ListUsersResponseSchema, UserSchema } from "../gen/shopmesh/user/v1/user_service_pb.js";
import { checkHealth } from "./health-check.js";
import { devLogin, storedToken } from "./login.js";
import { bearer, type MeshClients, meshClients } from "./mesh-clients.js";
import { parseMinorUnits } from "./money.js";
import { readOperatorIdentity } from "./operator-identity.js";
import { startCliTracing } from "./tracing.js";

const usage = `usage: shopmesh <resource> <action> [options]

  user create --email EMAIL --name NAME
  user get ID
  user list [--page-size N] [--page-token TOKEN]
  product create --sku SKU --name NAME --price 12.50 --currency EUR --stock N
  product get ID
  product list [--page-size N] [--page-token TOKEN]
  order create --user USER_ID --item PRODUCT_ID:QUANTITY [--item …] [--request-id ID]
  order get ID
  order list [--user USER_ID] [--page-size N] [--page-token TOKEN]
  order cancel ID
  health                      exits 0 when all three services answer SERVING
  login --email EMAIL [--admin]   development sign-in (make run's issuer); stores the token

With --edge ADDRESS (or SHOPMESH_EDGE_ADDRESS) every command goes through the edge, signed in
with the stored token (or SHOPMESH_TOKEN): \`order create\` then needs no --user.

Addresses (host:port) come from --user-address, --product-address, --order-address or
SHOPMESH_USER_ADDRESS, SHOPMESH_PRODUCT_ADDRESS, SHOPMESH_ORDER_ADDRESS; defaults are
localhost:50051, localhost:50052 and localhost:50053 (what \`make run\` uses).
Calls use mTLS with the operator certificate from --trust-dir or SHOPMESH_TRUST_DIR (default:
the .data/trust folder \`make run\` creates); --plaintext only against INSECURE_PLAINTEXT services.
Prints the response as JSON on stdout and the call's trace id on stderr (find it in Jaeger);
on error prints the gRPC status and exits 1. Traces go over OTLP/HTTP to
OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318).`;

const cliOptions = {
  email: { type: "string" },
  name: { type: "string" },
  sku: { type: "string" },
  price: { type: "string" },
  currency: { type: "string", default: "EUR" },
  stock: { type: "string", default: "0" },
  user: { type: "string" },
  item: { type: "string", multiple: true },
  "request-id": { type: "string" },
  "page-size": { type: "string", default: "0" },
  "page-token": { type: "string", default: "" },
  "user-address": { type: "string" },
  "product-address": { type: "string" },
  "order-address": { type: "string" },
  "trust-dir": { type: "string" },
  plaintext: { type: "boolean", default: false },
  edge: { type: "string" },
  admin: { type: "boolean", default: false },
  help: { type: "boolean", short: "h" },
} as const;

const { values: options, positionals } = parseCommandLine();

/** parseArgs, but a malformed command line prints the usage instead of a stack trace. */
function parseCommandLine() {
  try {
    return parseArgs({ allowPositionals: true, options: cliOptions });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n\n${usage}`);
    process.exit(2);
  }
}

type Printable = { schema: DescMessage; message: MessageShape<DescMessage> };
const out = <D extends DescMessage>(schema: D, message: MessageShape<D>): Printable => ({
  schema,
  message,
});

function required(name: keyof typeof options): string {
  const value = options[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required`);
  return value;
}

function argument(index: number, what: string): string {
  const value = positionals[index];
  if (!value) throw new UsageError(`${what} is required`);
  return value;
}

const page = () => ({ pageSize: Number(options["page-size"]), pageToken: options["page-token"] });

async function run(clients: MeshClients, resource: string, action: string): Promise<Printable> {
  const { users, products, orders } = clients;
  switch (`${resource} ${action}`) {
    case "user create":
      return out(
        UserSchema,
        await users.createUser({ email: required("email"), displayName: required("name") }),
      );
    case "user get":
      return out(UserSchema, await users.getUser({ id: argument(2, "ID") }));
    case "user list":
      return out(ListUsersResponseSchema, await users.listUsers(page()));
    case "product create": {
      const currencyCode = required("currency");
      return out(
        ProductSchema,
        await products.createProduct({
          sku: required("sku"),
          name: required("name"),
          price: { currencyCode, minorUnits: parseMinorUnits(required("price"), currencyCode) },
          stock: Number(options.stock),
        }),
      );
    }
    case "product get":
      return out(ProductSchema, await products.getProduct({ id: argument(2, "ID") }));
    case "product list":
      return out(ListProductsResponseSchema, await products.listProducts(page()));
    case "order create": {
      const items = (options.item ?? []).map((item) => {
        const [productId = "", quantity = "1"] = item.split(":");
        return { productId, quantity: Number(quantity) };
      });
      const requestId = options["request-id"] ?? randomUUID();
      return out(
        OrderSchema,
        await orders.createOrder({ requestId, userId: viaEdge ? "" : required("user"), items }),
      );
    }
    case "order get":
      return out(OrderSchema, await orders.getOrder({ id: argument(2, "ID") }));
    case "order list":
      return out(
        ListOrdersResponseSchema,
        await orders.listOrders({ userId: options.user ?? "", ...page() }),
      );
    case "order cancel":
      return out(OrderSchema, await orders.cancelOrder({ id: argument(2, "ID") }));
    case "health ":
      return out(HealthListResponseSchema, await checkHealth(clients));
    default:
      throw new UsageError(`unknown command: ${positionals.join(" ") || "(none)"}`);
  }
}

class UsageError extends Error {}

const env = process.env;
// dist/services/cli/main.js → the repository (where `make run` keeps .data).
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const tracing = startCliTracing();
const edge = options.edge ?? env.SHOPMESH_EDGE_ADDRESS;
const viaEdge = edge !== undefined && edge !== "";
const token = viaEdge ? storedToken() : undefined;
const trustDir =
  options["trust-dir"] ??
  env.SHOPMESH_TRUST_DIR ??
  path.join(env.SHOPMESH_DATA_DIR ?? path.join(repoRoot, ".data"), "trust");
// The edge is the public door: end users reach it with a token, not the operator certificate.
let identity: ReturnType<typeof readOperatorIdentity> | "plaintext" = "plaintext";
if (!options.plaintext && !options.help && !viaEdge) {
  try {
    identity = readOperatorIdentity(trustDir);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(2);
  }
}
const clients = meshClients(
  viaEdge
    ? { user: edge, product: edge, order: edge }
    : {
        user: options["user-address"] ?? env.SHOPMESH_USER_ADDRESS ?? "localhost:50051",
        product: options["product-address"] ?? env.SHOPMESH_PRODUCT_ADDRESS ?? "localhost:50052",
        order: options["order-address"] ?? env.SHOPMESH_ORDER_ADDRESS ?? "localhost:50053",
      },
  identity,
  [tracing.interceptor, ...(token ? [bearer(token)] : [])],
);

if (options.help) {
  console.log(usage);
} else if (positionals[0] === "login") {
  // Only the token on stdout, so that TOKEN=$(shopmesh login …) works.
  console.log(await devLogin(required("email"), options.admin));
  console.error("token stored; use --edge localhost:8080 to call through the edge");
} else {
  try {
    const [resource = "", action = ""] = positionals;
    const { schema, message } = await tracing.traced(
      `shopmesh ${resource} ${action}`,
      (traceId) => {
        // On stderr, so that stdout stays pure JSON: paste the id into Jaeger's search.
        console.error(`trace_id: ${traceId}`);
        return run(clients, resource, action);
      },
    );
    console.log(toJsonString(schema, message, { prettySpaces: 2 }));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${usage}`);
      process.exitCode = 2;
    } else if (error instanceof ConnectError) {
      console.error(`error: ${grpcCodeName(error.code)}: ${error.rawMessage}`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  } finally {
    await tracing.shutdown();
  }
}

/** Connect's `NotFound` as gRPC spells it, `NOT_FOUND`. */
function grpcCodeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
