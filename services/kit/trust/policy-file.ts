import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { type AuthzPolicy, PolicyError, parseAuthzPolicy } from "./authz-policy.js";

/** How a policy file is watched and what is told about reloads. */
export interface PolicyFileOptions {
  readonly refreshIntervalMs: number;
  readonly onReloaded?: (policy: AuthzPolicy) => void;
  /** The file changed into something unusable; the previous policy stays in force. */
  readonly onRejected?: (reason: string) => void;
}

/**
 * An authorization policy read from a file (a ConfigMap in the chart) and read again whenever
 * its content changes. Polling the content rather than watching events: a ConfigMap update
 * swaps a symlink, which inotify-based watching misses once the old target is gone.
 */
export class PolicyFile {
  private current: AuthzPolicy;
  private text: string;
  private readonly timer: NodeJS.Timeout;
  private reading = false;

  /** Reads `path` now; throws a PolicyError naming the file when it is missing or invalid. */
  constructor(
    readonly path: string,
    private readonly options: PolicyFileOptions,
  ) {
    try {
      this.text = readFileSync(path, "utf8");
      this.current = parseAuthzPolicy(this.text);
    } catch (error) {
      throw new PolicyError(`authorization policy ${path}: ${(error as Error).message}`);
    }
    this.timer = setInterval(() => void this.reload(), options.refreshIntervalMs);
    this.timer.unref();
  }

  /** The policy in force. */
  get policy(): AuthzPolicy {
    return this.current;
  }

  /** Reads the file again now (the timer does this every refresh interval). */
  async reload(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const text = await readFile(this.path, "utf8").catch((error: Error) => error);
      if (text instanceof Error) {
        this.reject(`authorization policy ${this.path} unreadable: ${text.message}`, "");
        return;
      }
      if (text === this.text) return;
      this.text = text;
      try {
        this.current = parseAuthzPolicy(text);
      } catch (error) {
        this.reject(`authorization policy ${this.path}: ${(error as Error).message}`, text);
        return;
      }
      this.options.onReloaded?.(this.current);
    } finally {
      this.reading = false;
    }
  }

  /** Stops watching. */
  close(): void {
    clearInterval(this.timer);
  }

  private reject(reason: string, text: string): void {
    // Remember the bad text so it is reported once, not at every refresh.
    this.text = text;
    this.options.onRejected?.(reason);
  }
}
