import type { Logger } from "../telemetry/logger.js";

/**
 * Test-only crash points: SHOPMESH_CRASH_AT="NAME:N" kills the process (SIGKILL, as an OOM kill
 * or a node failure would) the Nth time it passes the named point, so tests interrupt the relay
 * or the consumer at an exact step instead of after a sleep. Unset in any real deployment; a set
 * value is logged loudly at start.
 */
export class CrashPoints {
  private readonly target: { name: string; at: number } | undefined;
  private passed = 0;

  constructor(raw: string | undefined, logger: Logger) {
    const match = /^([a-z.-]+):(\d+)$/.exec(raw ?? "");
    if (raw && !match) throw new Error(`SHOPMESH_CRASH_AT=${JSON.stringify(raw)}: not NAME:N`);
    if (match?.[1] && match[2]) {
      this.target = { name: match[1], at: Number(match[2]) };
      logger.warn(
        { crash_point: this.target.name, at: this.target.at },
        "SHOPMESH_CRASH_AT is set: this process kills itself at a crash point (tests only)",
      );
    }
  }

  /** Marks passing `name`; kills the process when it is the configured point's Nth pass. */
  pass(name: string): void {
    if (this.target?.name !== name) return;
    if (++this.passed === this.target.at) process.kill(process.pid, "SIGKILL");
  }
}
