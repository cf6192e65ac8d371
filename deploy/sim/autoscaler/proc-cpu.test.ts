import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { CpuSampler, processCpuSeconds } from "./proc-cpu.js";

// Real processes; their CPU comes from /proc/<pid>/stat, as the simulation reads each replica's.
const children: ChildProcess[] = [];
function start(code: string): ChildProcess {
  const child = spawn(process.execPath, ["-e", code], { stdio: "ignore" });
  children.push(child);
  return child;
}
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

describe("CPU usage from /proc", () => {
  it("reads the CPU time a process reports for itself, and its rate between readings", async () => {
    // This process: /proc against Node's own process.cpuUsage(). Spinning until 300 ms of CPU
    // is used (not of wall time) keeps the check exact on a loaded machine.
    const sampler = new CpuSampler(1);
    const before = process.cpuUsage();
    expect(await sampler.sample(process.pid)).toBeUndefined(); // one reading is no rate
    await new Promise((resolve) => setTimeout(resolve, 5)); // one window (1 ms) later
    const fromProcBefore = await processCpuSeconds(process.pid);
    while (process.cpuUsage(before).user + process.cpuUsage(before).system < 300_000) {
      // spin
    }
    const usedSeconds = (process.cpuUsage(before).user + process.cpuUsage(before).system) / 1e6;
    const usage = await sampler.sample(process.pid);
    const fromProc = (await processCpuSeconds(process.pid)) - fromProcBefore;
    // Ticks are 10 ms; allow a few either side.
    expect(Math.abs(fromProc - usedSeconds)).toBeLessThan(0.04);
    // The rate times its window is the CPU time used between the readings.
    expect(
      Math.abs(((usage?.millicores ?? 0) * (usage?.windowMs ?? 0)) / 1e6 - usedSeconds),
    ).toBeLessThan(0.04);
  });

  it("measures an idle process near zero", async () => {
    // It says when its start-up (which itself costs CPU) is over, and idles from then on.
    const idle = spawn(
      process.execPath,
      ["-e", 'setInterval(() => {}, 1000); console.log("idle")'],
      {
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    children.push(idle);
    await new Promise((resolve) => idle.stdout?.once("data", resolve));
    const sampler = new CpuSampler(1000);
    await sampler.sample(idle.pid as number);
    // The rate is measured over a window of wall time: one second of idling, on purpose.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await sampler.sample(idle.pid as number))?.millicores).toBeLessThan(50);
  });

  it("averages over the window: nothing until a reading one window old, then since the newest such", async () => {
    // A clock the test moves (readings are real, their times are not): readings every 500 ms
    // against a 1,000 ms window, as the autoscaler reads every sync against a longer window.
    let now = 0;
    const sampler = new CpuSampler(1000, () => now);
    expect(await sampler.sample(process.pid)).toBeUndefined(); // t=0
    now = 500;
    expect(await sampler.sample(process.pid)).toBeUndefined(); // no reading 1,000 ms old yet
    now = 1000;
    expect((await sampler.sample(process.pid))?.windowMs).toBe(1000); // since t=0
    now = 1700;
    // Newest reading at or before 700 is t=500 (not t=0, and not t=1000: under a window).
    expect(await sampler.sample(process.pid)).toMatchObject({ windowMs: 1200, timestamp: 1700 });
    now = 2000;
    expect((await sampler.sample(process.pid))?.windowMs).toBe(1000); // since t=1000
  });

  it("refuses a window that is not positive", () => {
    expect(() => new CpuSampler(0)).toThrow(/metric window must be positive/);
  });

  it("has no sample for a process that is gone", async () => {
    const child = start("setInterval(() => {}, 1000)");
    const sampler = new CpuSampler(1);
    await sampler.sample(child.pid as number);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(await sampler.sample(child.pid as number)).toBeUndefined();
  });
});
