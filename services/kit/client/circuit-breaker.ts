import CircuitBreaker from "opossum";
import { RpcError, Status } from "../rpc-error.js";
import { countsAgainstDependency } from "../status-semantics.js";
import type { Logger } from "../telemetry/logger.js";
import { spanEvent } from "../telemetry/telemetry.js";

// While the half-open probe is out, the breaker refuses the rest: they may try again shortly.
const minBreakerRetryDelayMs = 100;

/** When a breaker opens and how it recovers. */
export interface BreakerSettings {
  /** Failure percentage, over the rolling window, that opens the breaker. */
  readonly errorThresholdPercent: number;
  /** Calls the window must hold before the percentage counts. */
  readonly volumeThreshold: number;
  readonly rollingWindowMs: number;
  /** Time open before one probe call is let through (half-open). */
  readonly resetTimeoutMs: number;
}

/** A breaker's state, as the admin RPC and the logs report it. */
export type BreakerState = "closed" | "open" | "half-open";

/** A snapshot of one breaker. */
export interface BreakerStatus {
  readonly dependency: string;
  readonly method: string;
  readonly state: BreakerState;
  /** Counts over the rolling window. */
  readonly successes: number;
  readonly failures: number;
  readonly rejects: number;
}

/** Every breaker of a process, so that their state can be listed and exported. */
export class BreakerRegistry {
  private readonly breakers: { dependency: string; method: string; breaker: CircuitBreaker }[] = [];

  constructor(
    private readonly settings: BreakerSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * Wraps `call` (one logical downstream call, retries included) in an opossum breaker that
   * fails fast with UNAVAILABLE while open. Create one per downstream method, once, at start-up.
   */
  protect<Args extends unknown[], Result>(
    dependency: string,
    method: string,
    call: (...args: Args) => Promise<Result>,
  ): (...args: Args) => Promise<Result> {
    const breaker: CircuitBreaker<Args, Result> = new CircuitBreaker(call, {
      // Deadlines bound every call already; a second clock here would only disagree with them.
      timeout: false,
      errorThresholdPercentage: this.settings.errorThresholdPercent,
      volumeThreshold: this.settings.volumeThreshold,
      rollingCountTimeout: this.settings.rollingWindowMs,
      resetTimeout: this.settings.resetTimeoutMs,
      // The caller's mistakes and deadlines say nothing about the dependency's health.
      errorFilter: (error: unknown): boolean => !countsAgainstDependency(error, breaker.halfOpen),
    });
    const log = this.logger.child({ dependency, method });
    const transition = (state: BreakerState, message: string) => {
      spanEvent("circuit_breaker.state_change", { dependency, method, state });
      if (state === "open") log.warn(message);
      else log.info(message);
    };
    let openedAt = 0;
    breaker.on("open", () => {
      openedAt = Date.now();
      transition("open", "circuit breaker open: failing fast");
    });
    breaker.on("halfOpen", () => transition("half-open", "circuit breaker half-open: probing"));
    breaker.on("close", () => transition("closed", "circuit breaker closed: dependency recovered"));
    this.breakers.push({ dependency, method, breaker });
    return async (...args) => {
      try {
        return await breaker.fire(...args);
      } catch (error) {
        if (isOpenBreakerError(error)) {
          spanEvent("circuit_breaker.rejected", { dependency, method });
          // Until the half-open probe: retrying sooner only meets the open breaker again.
          const untilProbe = openedAt + this.settings.resetTimeoutMs - Date.now();
          throw new RpcError(
            Status.UNAVAILABLE,
            `${dependency} unavailable: circuit breaker for ${method} is open, failing fast`,
            {
              cause: error,
              details: {
                reason: "BREAKER_OPEN",
                metadata: { dependency, method },
                retryDelayMs: Math.max(untilProbe, minBreakerRetryDelayMs),
              },
            },
          );
        }
        throw error;
      }
    };
  }

  /** The state of every breaker. */
  list(): BreakerStatus[] {
    return this.breakers.map(({ dependency, method, breaker }) => ({
      dependency,
      method,
      state: breaker.opened ? "open" : breaker.halfOpen ? "half-open" : "closed",
      successes: breaker.stats.successes,
      failures: breaker.stats.failures,
      rejects: breaker.stats.rejects,
    }));
  }

  /** Stops the breakers' timers, so the process can exit. */
  shutdown(): void {
    for (const { breaker } of this.breakers) breaker.shutdown();
  }
}

function isOpenBreakerError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "EOPENBREAKER";
}
