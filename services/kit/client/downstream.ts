import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { CommonConfig } from "../service-config.js";
import type { Logger } from "../telemetry/logger.js";
import { eventCounter } from "../telemetry/metrics.js";
import { spanEvent } from "../telemetry/telemetry.js";
import { parseSpiffeId, type WorkloadTrust } from "../trust/index.js";
import { BreakerRegistry } from "./circuit-breaker.js";
import { H2Channel, parseTarget } from "./h2/index.js";
import { RetryBudget } from "./retry.js";
import {
  createServiceClient,
  type EncodedMethods,
  type MethodPolicy,
  openChannel,
  type ServiceClient,
  type ServiceClientOptions,
} from "./service-client.js";
import type { UnaryChannel } from "./unary-channel.js";

type MethodsOf<S> = S extends GenService<infer M> ? M : never;

/**
 * What a service says about one dependency: its name, where it is, and every method it calls
 * with that method's policy. The rest comes from configuration.
 */
export interface DependencyOptions<
  S extends GenService<GenServiceMethods>,
  K extends keyof MethodsOf<S>,
> {
  readonly dependency: string;
  readonly target: string;
  /** The SPIFFE ID its servers must present (required with mTLS), e.g. from PRODUCT_SERVICE_IDENTITY. */
  readonly identity: string | undefined;
  readonly methods: { readonly [P in K]: MethodPolicy };
}

/** The common settings a {@link Downstream} reads (a service without a database has them too). */
export type DownstreamConfig = Pick<
  CommonConfig,
  | "downstreamTimeoutMs"
  | "downstreamMinTimeoutMs"
  | "retryMaxAttempts"
  | "retryInitialBackoffMs"
  | "retryMaxBackoffMs"
  | "retryBudgetTokens"
  | "breakersEnabled"
  | "breakerErrorThresholdPercent"
  | "breakerVolumeThreshold"
  | "breakerRollingWindowMs"
  | "breakerResetTimeoutMs"
  | "keepaliveTimeMs"
  | "keepaliveTimeoutMs"
  | "maxMessageBytes"
>;

// gRPC's usual retryThrottling ratio: ten successes earn back one failure's token.
const retryTokenRatio = 0.1;

/**
 * The clients a service uses to call others, all configured alike from the common settings:
 * deadlines, retries within a budget per dependency, a breaker per method, keepalive.
 */
export class Downstream {
  readonly breakers: BreakerRegistry;
  private readonly clients: { close(): void }[] = [];
  // Per dependency (and where it is): one channel and one retry budget, however many of its
  // services are called (the product process serves ProductService and ReservationService).
  private readonly shared = new Map<string, { channel: UnaryChannel; budget: RetryBudget }>();
  private readonly retries = eventCounter("shopmesh.retries", "Retries of downstream calls");

  constructor(
    private readonly config: DownstreamConfig,
    private readonly logger: Logger,
    private readonly trust: Pick<WorkloadTrust, "channelCredentials" | "clientTls">,
    /**
     * "http2": the lean unary channel on Node's HTTP/2 client (the edge, which only forwards
     * unary calls); "grpc-js" (the default, and the edge's fallback with KIT_UNARY_PATHS=false).
     * A target the lean channel cannot dial (`unix:`) stays on grpc-js.
     */
    private readonly channels: "grpc-js" | "http2" = "grpc-js",
  ) {
    this.breakers = new BreakerRegistry(
      {
        errorThresholdPercent: config.breakerErrorThresholdPercent,
        volumeThreshold: config.breakerVolumeThreshold,
        rollingWindowMs: config.breakerRollingWindowMs,
        resetTimeoutMs: config.breakerResetTimeoutMs,
      },
      logger,
    );
  }

  /**
   * A resilient client of the listed methods of `service` (one breaker each); closed with the
   * others at shutdown.
   */
  connect<S extends GenService<GenServiceMethods>, K extends keyof MethodsOf<S>>(
    service: S,
    options: DependencyOptions<S, K>,
  ): Pick<ServiceClient<S>, K | "close"> & { readonly encoded: Pick<EncodedMethods<S>, K> } {
    const { config, logger, retries } = this;
    const { channel, budget } = this.sharedBy(options);
    const client = createServiceClient(service, {
      ...options,
      channel,
      methods: options.methods as ServiceClientOptions<S>["methods"] & {},
      onlyListedMethods: true,
      timeoutMs: config.downstreamTimeoutMs,
      minTimeoutMs: config.downstreamMinTimeoutMs,
      retry: {
        policy: {
          maxAttempts: config.retryMaxAttempts,
          initialBackoffMs: config.retryInitialBackoffMs,
          maxBackoffMs: config.retryMaxBackoffMs,
        },
        budget,
        onRetry: (method, attempt, error) => {
          const { dependency } = options;
          retries.add(1, { dependency, method });
          spanEvent("retry", { dependency, method, attempt, "rpc.grpc.status_code": error.code });
          logger.warn({ dependency, method, attempt, err: error }, "retrying");
        },
      },
      ...(config.breakersEnabled ? { breakers: this.breakers } : {}),
    });
    this.clients.push(client);
    return client;
  }

  /** Closes every client and stops the breakers' timers. */
  close(): void {
    for (const client of this.clients) client.close();
    this.breakers.shutdown();
  }

  private sharedBy(
    options: Pick<DependencyOptions<never, never>, "dependency" | "target" | "identity">,
  ) {
    const key = JSON.stringify([options.dependency, options.target, options.identity]);
    const known = this.shared.get(key);
    if (known) return known;
    const { config } = this;
    // The TLS server name (SNI) of a pod dialled by IP: a name, never an address. Servers are
    // checked by their SPIFFE ID, not by this.
    const servername = options.identity
      ? parseSpiffeId(options.identity).serviceAccount
      : undefined;
    const parsed = this.channels === "http2" ? parseTarget(options.target) : undefined;
    const channel: UnaryChannel = parsed
      ? new H2Channel({
          target: options.target,
          parsed,
          tls: this.trust.clientTls(
            options.dependency,
            options.identity,
            servername ?? parsed.host,
          ),
          keepaliveTimeMs: config.keepaliveTimeMs,
          keepaliveTimeoutMs: config.keepaliveTimeoutMs,
          maxSendBytes: config.maxMessageBytes,
          maxReceiveBytes: config.maxMessageBytes,
        })
      : openChannel({
          target: options.target,
          credentials: this.trust.channelCredentials(options.dependency, options.identity),
          channelOptions: {
            "grpc.keepalive_time_ms": config.keepaliveTimeMs,
            "grpc.keepalive_timeout_ms": config.keepaliveTimeoutMs,
            "grpc.max_receive_message_length": config.maxMessageBytes,
            "grpc.max_send_message_length": config.maxMessageBytes,
            ...(servername ? { "grpc.ssl_target_name_override": servername } : {}),
          },
        });
    const shared = { channel, budget: new RetryBudget(config.retryBudgetTokens, retryTokenRatio) };
    this.shared.set(key, shared);
    return shared;
  }
}
