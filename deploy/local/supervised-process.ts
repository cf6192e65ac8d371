import type { ChildProcess } from "node:child_process";
import { type BackoffSettings, CrashLoopBackoff } from "./crash-loop-backoff.js";
import type { ServiceProcess } from "./service-process.js";

/** How a supervised process ended. */
export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ranForMs: number;
}

/** One step of a supervised restart; `restart` counts the restarts of that process. */
export type RestartEvent =
  | { readonly phase: "scheduled"; readonly restart: number; readonly delayMs: number }
  | { readonly phase: "started"; readonly restart: number; readonly pid: number }
  | { readonly phase: "failed"; readonly restart: number; readonly reason: string };

/** How {@link SupervisedProcess} starts its process and what it does when the process dies. */
export interface SupervisionOptions {
  /** Starts the process and resolves once it serves; `env` adds to its environment. */
  readonly launch: (env?: Readonly<Record<string, string>>) => Promise<ServiceProcess>;
  /**
   * Restarts the process when it exits without being asked to, after a crash-loop back-off, as
   * the cluster restarts a crashed pod (`make run`). Unset: no restarts (tests do it themselves).
   */
  readonly restart?: BackoffSettings;
  /** Called when the process exits without being asked to. */
  readonly onUnexpectedExit?: (exit: ServiceExit) => void;
  /** Told of each restart: when it is scheduled, and how it went. */
  readonly onRestart?: (event: RestartEvent) => void;
}

/**
 * One service process under supervision: started and stopped on request, and restarted with a
 * crash-loop back-off when it exits on its own. A restart reuses the extra environment of the
 * last start (a service started with faults injected comes back with them).
 */
export class SupervisedProcess {
  #running: ServiceProcess | undefined;
  #starting: Promise<void> | undefined;
  #pendingRestart: NodeJS.Timeout | undefined;
  #backoff: CrashLoopBackoff | undefined;
  #restarts = 0;
  #lastEnv: Readonly<Record<string, string>> | undefined;
  #stopping = false;
  #closed = false;

  constructor(private readonly options: SupervisionOptions) {}

  /** The process, while it runs. */
  get child(): ChildProcess | undefined {
    return this.#running?.child;
  }

  /** Starts the process (again) and waits until it serves. */
  async start(env?: Readonly<Record<string, string>>): Promise<void> {
    const attempt = this.#launch(env);
    this.#starting = attempt;
    try {
      await attempt;
    } finally {
      if (this.#starting === attempt) this.#starting = undefined;
    }
  }

  /** Sends `signal` (no restart follows) and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    this.#stopping = true;
    try {
      clearTimeout(this.#pendingRestart);
      this.#pendingRestart = undefined;
      // A restart in progress finishes first, so that its process is stopped too.
      await this.#starting?.catch(() => {});
      const running = this.#running;
      if (!running) return null;
      return await running.stop(signal);
    } finally {
      this.#stopping = false;
    }
  }

  /** Stops the process for good: no restart is scheduled any more. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.stop();
  }

  async #launch(env?: Readonly<Record<string, string>>): Promise<void> {
    this.#lastEnv = env;
    const started = await this.options.launch(env);
    const startedAt = Date.now();
    this.#running = started;
    void started.exited.then((code) => {
      if (this.#running === started) this.#running = undefined;
      if (this.#stopping || this.#closed) return;
      const exit = { code, signal: started.child.signalCode, ranForMs: Date.now() - startedAt };
      this.options.onUnexpectedExit?.(exit);
      this.#scheduleRestart(exit.ranForMs);
    });
  }

  #scheduleRestart(ranForMs: number): void {
    const { restart: settings, onRestart } = this.options;
    if (!settings || this.#closed || this.#stopping) return;
    this.#backoff ??= new CrashLoopBackoff(settings);
    const delayMs = this.#backoff.next(ranForMs);
    const restart = ++this.#restarts;
    onRestart?.({ phase: "scheduled", restart, delayMs });
    this.#pendingRestart = setTimeout(() => {
      this.#pendingRestart = undefined;
      this.start(this.#lastEnv).then(
        () => onRestart?.({ phase: "started", restart, pid: this.child?.pid ?? 0 }),
        (error: unknown) => {
          if (this.#closed || this.#stopping) return;
          onRestart?.({ phase: "failed", restart, reason: String(error) });
          this.#scheduleRestart(0);
        },
      );
    }, delayMs);
  }
}
