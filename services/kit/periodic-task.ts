/** A background job started by {@link startPeriodicTask}. */
export interface PeriodicTask {
  /** Stops scheduling runs and waits for the run in flight, if any, to end. */
  stop(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs`, one run at a time: the next is scheduled only when the last has
 * ended, so a slow run never overlaps the next (as `setInterval` would let it). `run` gets a
 * function saying whether stop() was called, to end a long run early. A run that throws is
 * reported to `onError` and the schedule goes on. The timer never keeps the process alive.
 */
export function startPeriodicTask(
  run: (stopping: () => boolean) => Promise<void>,
  intervalMs: number,
  onError: (error: unknown) => void,
): PeriodicTask {
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      inFlight = run(() => stopped)
        .catch(onError)
        .finally(() => {
          inFlight = undefined;
          if (!stopped) schedule();
        });
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
