import { parseArgs } from "node:util";

/** What `shopmesh --help` prints. */
export const usage = `usage: shopmesh <resource> <action> [options]

  user create --email EMAIL --name NAME [--request-id ID]
  user update ID --name NAME [--etag ETAG]
  user get ID
  user list [--page-size N] [--page-token TOKEN]
  product create --sku SKU --name NAME --price 12.50 --currency EUR --stock N [--request-id ID]
  product update ID [--name NAME] [--price 13.00 --currency EUR] [--etag ETAG]
      changes only the fields given; with --etag, refused (ABORTED) if the product changed since
  product adjust-stock ID --delta N --reason TEXT [--request-id ID]
      N > 0 adds stock, N < 0 (written --delta=-5) takes it away, never below what orders
      reserved; a retry with the same --request-id applies once (default: a new one)
  product get ID
  product list [--page-size N] [--page-token TOKEN]
  order create --user USER_ID --item PRODUCT_ID:QUANTITY [--item …] [--request-id ID]
  order get ID
  order list [--user USER_ID] [--filter 'state = CONFIRMED AND create_time > "2026-01-02T00:00:00Z"']
             [--order-by 'create_time desc'] [--page-size N] [--page-token TOKEN]
  order cancel ID
  health                      exits 0 when all three services answer SERVING (degraded
                              components such as order/events-broker are listed)
  login --email EMAIL [--admin]   development sign-in (make run's issuer); stores the token
  events tail [--nats nats://127.0.0.1:4222] [--count N]
      prints order events (and dead letters) as they pass, one JSON line each (NATS_URL too;
      a broker login from NATS_USER and NATS_PASSWORD or NATS_PASSWORD_FILE)

  faults list  --service user|product|order
  faults set   --service S --method RPC|* [--delay-ms N] [--abort-percent P] [--abort-code CODE]
  faults set   --service S --rules '[{"method":"ReserveStock","delayMs":5000}]'
  faults clear --service S    (set and clear need FAULT_INJECTION_RUNTIME=true on the server;
                               make run sets it)

  load [--rate 10] [--duration 30s] [--shoppers 5] [--mix browse=50,order=30,my-orders=15,cancel=5]
      shopper journeys at RATE per second for DURATION (it always stops by itself; Ctrl-C stops
      it early); a line per second, a summary at the end; each journey is one trace

With --edge ADDRESS (or SHOPMESH_EDGE_ADDRESS) every command goes through the edge, signed in
with the stored token (or SHOPMESH_TOKEN): \`order create\` then needs no --user.

Addresses (host:port) come from --user-address, --product-address, --order-address or
SHOPMESH_USER_ADDRESS, SHOPMESH_PRODUCT_ADDRESS, SHOPMESH_ORDER_ADDRESS; defaults are
localhost:50051, localhost:50052 and localhost:50053 (what \`make run\` uses).
Calls use mTLS with the operator certificate from --trust-dir or SHOPMESH_TRUST_DIR (default:
the .data/trust folder \`make run\` creates); --plaintext only against INSECURE_PLAINTEXT services.
Prints the response as JSON on stdout and the call's trace id on stderr (find it in Jaeger);
on error prints one line \`error: …\` and exits 1 (2 for a mistake in the command line).
Traces go over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318).`;

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
  etag: { type: "string", default: "" },
  delta: { type: "string" },
  reason: { type: "string" },
  "page-size": { type: "string", default: "0" },
  "page-token": { type: "string", default: "" },
  filter: { type: "string", default: "" },
  "order-by": { type: "string", default: "" },
  service: { type: "string" },
  rules: { type: "string" },
  method: { type: "string" },
  "delay-ms": { type: "string" },
  "abort-percent": { type: "string" },
  "abort-code": { type: "string" },
  rate: { type: "string", default: "10" },
  duration: { type: "string", default: "30s" },
  shoppers: { type: "string", default: "5" },
  mix: { type: "string", default: "browse=50,order=30,my-orders=15,cancel=5" },
  "user-address": { type: "string" },
  "product-address": { type: "string" },
  "order-address": { type: "string" },
  "trust-dir": { type: "string" },
  plaintext: { type: "boolean", default: false },
  edge: { type: "string" },
  admin: { type: "boolean", default: false },
  nats: { type: "string" },
  count: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Options = ReturnType<typeof parseArgs<{ options: typeof cliOptions }>>["values"];
type StringOption = {
  [K in keyof Options]-?: Exclude<Options[K], undefined> extends string ? K : never;
}[keyof Options];

/** A mistake in the command line: printed as one `error: …` line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The largest int32, the bound of the proto's sizes, counts and stock. */
export const int32Max = 2_147_483_647;

/** The parsed command line, and the checks every command makes of it. */
export class CommandLine {
  readonly options: Options;
  readonly positionals: readonly string[];

  constructor(args: readonly string[]) {
    try {
      const parsed = parseArgs({ args: [...args], allowPositionals: true, options: cliOptions });
      this.options = parsed.values;
      this.positionals = parsed.positionals;
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }

  /** The `index`-th word (0 is the resource, 1 the action), or "". */
  word(index: number): string {
    return this.positionals[index] ?? "";
  }

  /** The UsageError for a command line that names no command this CLI has. */
  unknownCommand(): UsageError {
    return new UsageError(`unknown command: ${this.positionals.join(" ") || "(none)"}`);
  }

  /** A List request's paging fields, from --page-size and --page-token. */
  page(): { pageSize: number; pageToken: string } {
    return {
      pageSize: this.wholeNumber("page-size", 0, int32Max),
      pageToken: this.options["page-token"],
    };
  }

  /** The option's value; a UsageError when it is missing or empty. */
  required(name: StringOption): string {
    const value = this.options[name];
    if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required`);
    return value;
  }

  /** The positional argument at `index`, named `what` in the error when missing. */
  argument(index: number, what: string): string {
    const value = this.positionals[index];
    if (!value) throw new UsageError(`${what} is required`);
    return value;
  }

  /** A whole number from `min` to `max` in option `name` (or `value`, when given). */
  wholeNumber(
    name: keyof Options,
    min: number,
    max: number,
    value = this.options[name as StringOption],
  ): number {
    const number = Number(value);
    if (typeof value !== "string" || !/^-?\d+$/.test(value) || number < min || number > max) {
      throw new UsageError(`--${name} ${value}: must be a whole number from ${min} to ${max}`);
    }
    return number;
  }

  /** A decimal number from `min` to `max` in option `name`. */
  decimal(name: StringOption, min: number, max: number): number {
    const value = this.options[name];
    const number = Number(value);
    if (typeof value !== "string" || !/^\d+(\.\d+)?$/.test(value) || number < min || number > max) {
      throw new UsageError(`--${name} ${value}: must be a number from ${min} to ${max}`);
    }
    return number;
  }
}
