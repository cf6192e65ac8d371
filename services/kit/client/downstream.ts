import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type * as grpc from "@grpc/grpc-js";
import type { CommonConfig } from "../service-config.js";
import type { Logger } from "../telemetry/logger.js";
import { eventCounter } from "../telemetry/metrics.js";
import { spanEvent } from "../telemetry/telemetry.js";
import { parseSpiffeId, type WorkloadTrust } from "../trust/index.js";
import { BreakerRegistry } from "./circuit-breaker.js";
import { RetryBudget } from "./retry.js";
import {
  createServiceClient,
  type EncodedMethods,
  type MethodPolicy,
  openChannel,
  type ServiceClient,
  type ServiceClientOptions,
} from "./service-client.js";

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
  private readonly shared = new Map<string, { channel: grpc.Client; budget: RetryBudget }>();
  private readonly retries = eventCounter("shopmesh.retries", "Retries of downstream calls");

  constructor(
    private readonly config: DownstreamConfig,
    private readonly logger: Logger,
    private readonly trust: Pick<WorkloadTrust, "channelCredentials">,
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
    const channel = openChannel({
      target: options.target,
      credentials: this.trust.channelCredentials(options.dependency, options.identity),
      channelOptions: {
        "grpc.keepalive_time_ms": config.keepaliveTimeMs,
        "grpc.keepalive_timeout_ms": config.keepaliveTimeoutMs,
        "grpc.max_receive_message_length": config.maxMessageBytes,
        "grpc.max_send_message_length": config.maxMessageBytes,
        // The TLS server name (SNI) of a pod dialled by IP: a name, never an address. Servers
        // are checked by their SPIFFE ID, not by this.
        ...(options.identity
          ? { "grpc.ssl_target_name_override": parseSpiffeId(options.identity).serviceAccount }
          : {}),
      },
    });
    const shared = { channel, budget: new RetryBudget(config.retryBudgetTokens, retryTokenRatio) };
    this.shared.set(key, shared);
    return shared;
  }
}
