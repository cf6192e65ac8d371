/** A background job started by {@link startPeriodicTask}. */
export interface PeriodicTask {
  /** Stops scheduling runs and waits for the run in flight, if any, to end. */
  stop(): Promise<void>;
  /**
   * Brings the next run forward to `soonMs` after the last one ended (at once if that has
   * passed); during a run, the next one follows it after `soonMs`. For work that is announced
   * (a NOTIFY, a reconnect) between slow polls.
   */
  wake(): void;
}

/**
 * Runs `run` every `intervalMs`, one run at a time: the next is scheduled only when the last has
 * ended, so a slow run never overlaps the next (as `setInterval` would let it). `intervalMs` may
 * be a function, asked after each run (a job that polls slowly while idle). `run` gets a
 * function saying whether stop() was called, to end a long run early. A run that throws is
 * reported to `onError` and the schedule goes on. The timer never keeps the process alive.
 */
export function startPeriodicTask(
  run: (stopping: () => boolean) => Promise<void>,
  intervalMs: number | (() => number),
  onError: (error: unknown) => void,
  soonMs = 0,
): PeriodicTask {
  const nextDelay = typeof intervalMs === "number" ? () => intervalMs : intervalMs;
  let stopped = false;
  let woken = false;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let dueAt = 0;
  let lastEnded = Date.now();
  const schedule = (delayMs: number) => {
    dueAt = Date.now() + delayMs;
    timer = setTimeout(() => {
      timer = undefined;
      woken = false;
      inFlight = run(() => stopped)
        .catch(onError)
        .finally(() => {
          inFlight = undefined;
          lastEnded = Date.now();
          if (!stopped) schedule(woken ? soonMs : nextDelay());
        });
    }, delayMs);
    timer.unref();
  };
  schedule(nextDelay());
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
    wake: () => {
      if (stopped) return;
      if (inFlight) {
        woken = true;
        return;
      }
      const at = Math.max(lastEnded + soonMs, Date.now());
      if (timer && at < dueAt) {
        clearTimeout(timer);
        schedule(at - Date.now());
      }
    },
  };
}
