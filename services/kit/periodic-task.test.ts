import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { startPeriodicTask } from "./periodic-task.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it("never overlaps runs: the next is scheduled an interval after the last ended", async () => {
  let runs = 0;
  let finish = () => {};
  const task = startPeriodicTask(
    () => {
      runs++;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
    100,
    () => {},
  );
  await vi.advanceTimersByTimeAsync(100);
  expect(runs).toBe(1);
  await vi.advanceTimersByTimeAsync(1_000); // ten intervals while the first run is still going
  expect(runs).toBe(1);
  finish();
  await vi.advanceTimersByTimeAsync(99);
  expect(runs).toBe(1);
  await vi.advanceTimersByTimeAsync(1);
  expect(runs).toBe(2);
  finish();
  await task.stop();
});

it("keeps its schedule after a run throws, and stop() waits for the run in flight", async () => {
  const errors: unknown[] = [];
  let runs = 0;
  let finish = () => {};
  const task = startPeriodicTask(
    (stopping) => {
      runs++;
      if (runs === 1) return Promise.reject(new Error("boom"));
      return new Promise<void>((resolve) => {
        finish = () => resolve(expect(stopping()).toBe(true));
      });
    },
    10,
    (error) => errors.push(error),
  );
  await vi.advanceTimersByTimeAsync(20);
  expect(runs).toBe(2);
  expect(errors).toHaveLength(1);
  let stopped = false;
  const stopping = task.stop().then(() => {
    stopped = true;
  });
  await vi.advanceTimersByTimeAsync(100);
  expect(stopped).toBe(false);
  finish();
  await stopping;
  await vi.advanceTimersByTimeAsync(100);
  expect(runs).toBe(2);
});

it("wake() brings an idle wait forward to soonMs after the last run, and follows a run in flight", async () => {
  let runs = 0;
  let finish: (() => void) | undefined;
  const task = startPeriodicTask(
    () => {
      runs++;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
    () => 10_000, // polling slowly while idle
    () => {},
    50,
  );
  await vi.advanceTimersByTimeAsync(10_000);
  expect(runs).toBe(1);
  task.wake(); // during the run: the next one follows it after 50 ms
  finish?.();
  await vi.advanceTimersByTimeAsync(49);
  expect(runs).toBe(1);
  await vi.advanceTimersByTimeAsync(1);
  expect(runs).toBe(2);
  finish?.();
  await vi.advanceTimersByTimeAsync(20);
  task.wake(); // 20 ms after the run ended: due 30 ms from now, not 10 s
  await vi.advanceTimersByTimeAsync(29);
  expect(runs).toBe(2);
  await vi.advanceTimersByTimeAsync(1);
  expect(runs).toBe(3);
  finish?.();
  await vi.advanceTimersByTimeAsync(5_000);
  expect(runs).toBe(3); // no wake: the slow poll again
  await task.stop();
});
