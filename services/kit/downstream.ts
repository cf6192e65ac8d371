import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { BreakerRegistry } from "./circuit-breaker.js";
import type { Logger } from "./logger.js";
import { RetryBudget } from "./retry.js";
import {
  createServiceClient,
  type ServiceClient,
  type ServiceClientOptions,
} from "./service-client.js";
import type { CommonConfig } from "./service-config.js";

/** What a service says about one dependency; the rest comes from configuration. */
export type DependencyOptions<S extends GenService<GenServiceMethods>> = Pick<
  ServiceClientOptions<S>,
  "dependency" | "target" | "methods"
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

  constructor(
    private readonly config: CommonConfig,
    private readonly logger: Logger,
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

  /** A resilient client of `service`; closed with the others at shutdown. */
  connect<S extends GenService<GenServiceMethods>>(
    service: S,
    options: DependencyOptions<S>,
  ): ServiceClient<S> {
    const { config, logger } = this;
    const client = createServiceClient(service, {
      ...options,
      timeoutMs: config.downstreamTimeoutMs,
      retry: {
        policy: {
          maxAttempts: config.retryMaxAttempts,
          initialBackoffMs: config.retryInitialBackoffMs,
          maxBackoffMs: config.retryMaxBackoffMs,
        },
        budget: new RetryBudget(config.retryBudgetTokens, retryTokenRatio),
        onRetry: (method, attempt, error) =>
          logger.warn({ dependency: options.dependency, method, attempt, err: error }, "retrying"),
      },
      breakers: this.breakers,
      channelOptions: {
        "grpc.keepalive_time_ms": config.keepaliveTimeMs,
        "grpc.keepalive_timeout_ms": config.keepaliveTimeoutMs,
        "grpc.max_receive_message_length": config.maxMessageBytes,
        "grpc.max_send_message_length": config.maxMessageBytes,
      },
    });
    this.clients.push(client);
    return client;
  }

  /** Closes every client and stops the breakers' timers. */
  close(): void {
    for (const client of this.clients) client.close();
    this.breakers.shutdown();
  }
}
