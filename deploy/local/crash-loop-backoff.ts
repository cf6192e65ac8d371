/** How a supervised service is restarted: a kubelet's crash-loop back-off, shortened for a laptop. */
export interface BackoffSettings {
  /** Wait before the first restart. */
  readonly initialMs: number;
  /** The wait doubles per crash up to this. */
  readonly maxMs: number;
  /** A service that ran this long before it exited starts again from `initialMs`. */
  readonly resetAfterMs: number;
}

/** `make run`'s back-off: 1 s, 2 s, 4 s, … at most 30 s; reset after a minute of running. */
export const localBackoff: BackoffSettings = {
  initialMs: 1_000,
  maxMs: 30_000,
  resetAfterMs: 60_000,
};

/** The waits before the restarts of one service. */
export class CrashLoopBackoff {
  #nextMs: number;

  constructor(private readonly settings: BackoffSettings) {
    this.#nextMs = settings.initialMs;
  }

  /** The wait before restarting a service that ran for `ranForMs` before it exited. */
  next(ranForMs: number): number {
    if (ranForMs >= this.settings.resetAfterMs) this.#nextMs = this.settings.initialMs;
    const delay = this.#nextMs;
    this.#nextMs = Math.min(this.settings.maxMs, this.#nextMs * 2);
    return delay;
  }
}
