/**
 * Compressed time: `factor` simulated seconds pass per real second, so a 300 s stabilisation
 * window lasts 300 / factor real seconds. Every window and period goes through `toMs`, so the
 * ratios between them are those of the chart. Figures shown to people must state the factor.
 */
export interface TimeScale {
  /** Simulated seconds per real second (1 = real time). */
  readonly factor: number;
  /** A duration of the HPA spec (simulated seconds) in real milliseconds. */
  toMs(seconds: number): number;
  /** A real duration in milliseconds as simulated seconds. */
  toSimulatedSeconds(ms: number): number;
}

/** A time scale compressing by `factor` (> 0). */
export function timeScale(factor: number): TimeScale {
  if (!(factor > 0) || !Number.isFinite(factor)) {
    throw new RangeError(`time compression factor must be a positive number, got ${factor}`);
  }
  return {
    factor,
    toMs: (seconds) => (seconds * 1000) / factor,
    toSimulatedSeconds: (ms) => (ms * factor) / 1000,
  };
}

/** Milliseconds since some fixed origin; tests pass a fake one, the simulation `Date.now`. */
export type Clock = () => number;
