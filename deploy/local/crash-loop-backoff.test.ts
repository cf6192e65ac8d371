import { expect, it } from "vitest";
import { CrashLoopBackoff } from "./crash-loop-backoff.js";

const settings = { initialMs: 1_000, maxMs: 8_000, resetAfterMs: 60_000 };

it("doubles the wait per crash up to the maximum", () => {
  const backoff = new CrashLoopBackoff(settings);
  expect([1, 2, 3, 4, 5, 6].map(() => backoff.next(10))).toEqual([
    1_000, 2_000, 4_000, 8_000, 8_000, 8_000,
  ]);
});

it("starts again from the first wait after a service ran long enough", () => {
  const backoff = new CrashLoopBackoff(settings);
  backoff.next(10);
  backoff.next(10);
  expect(backoff.next(59_999)).toBe(4_000);
  expect(backoff.next(60_000)).toBe(1_000);
  expect(backoff.next(10)).toBe(2_000);
});
