import { describe, expect, it } from "vitest";
import { failedCalls, rampStages } from "./load-ramp.js";
import { plotSvg } from "./plot-svg.js";
import { loadBetween } from "./report.js";

describe("the load ramp's pieces", () => {
  it("counts failed calls in the CLI's errors text", () => {
    expect(failedCalls("none")).toBe(0);
    expect(failedCalls("UNAVAILABLE 3, DEADLINE_EXCEEDED 1")).toBe(4);
  });

  it("builds a ramp of overlapping stages that adds up to the peak and ends together", () => {
    const stages = rampStages({ base: 3, peak: 36, steps: 3, stepS: 3, holdS: 15, totalS: 75 });
    const rateAt = (s: number) =>
      stages
        .filter((stage) => s >= stage.startS && s < stage.startS + stage.durationS)
        .reduce((sum, stage) => sum + stage.rate, 0);
    expect([0, 3, 6, 9, 23.9, 24, 74.9, 75].map(rateAt)).toEqual([3, 14, 25, 36, 36, 3, 3, 0]);
  });

  it("sums calls per second over load processes and keeps the worst p99", () => {
    const second = (at: number, calls: number, p99Ms: number, failed = 0) => ({
      at,
      stage: 0,
      journeys: 0,
      calls,
      p99Ms,
      failed,
      errors: "",
    });
    const seconds = [second(1000, 10, 5), second(1500, 20, 9, 2), second(2500, 7, 50)];
    expect(loadBetween(seconds, 0, 2000)).toEqual({ calls: 15, p99Ms: 9, failed: 2 });
  });

  it("draws each series as a step path inside a standalone SVG", () => {
    const svg = plotSvg("t", "c", "s", [
      {
        title: "p",
        series: [
          {
            label: "a<b",
            color: "red",
            points: [
              [0, 1],
              [10, 2],
            ],
          },
        ],
      },
    ]);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("a&lt;b");
    expect(svg).toMatch(/<path d="M60\.0,\d+\.\d H\d+\.\d V\d+\.\d"/);
  });
});
