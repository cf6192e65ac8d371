import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * CPU time counters of one /proc/<pid>/stat line, in clock ticks (fields 14 and 15 of proc(5)).
 * The command name (field 2) is in parentheses and may itself contain spaces and parentheses,
 * so the fields are counted from the last ')' rather than by splitting the whole line.
 */
export function parseStat(text: string): { utimeTicks: number; stimeTicks: number } {
  const close = text.lastIndexOf(")");
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  // After the name: state (field 3), ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
  // majflt, cmajflt, utime (field 14), stime (field 15).
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utimeTicks = Number(fields[11]);
  const stimeTicks = Number(fields[12]);
  if (!Number.isFinite(utimeTicks) || !Number.isFinite(stimeTicks)) {
    throw new Error(`no utime/stime in /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  }
  return { utimeTicks, stimeTicks };
}

let ticksPerSecond: number | undefined;

/** The kernel's USER_HZ: 100 on every mainstream Linux, but asking costs one fork, once. */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
      ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * User plus system CPU time the process has used so far, in microseconds. The kernel counts in
 * clock ticks (10 ms at 100 Hz), so take differences over runs of seconds, not milliseconds.
 * Children's time is not included.
 */
export function cpuMicros(pid: number): number {
  const { utimeTicks, stimeTicks } = parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  return ((utimeTicks + stimeTicks) * 1_000_000) / clockTicksPerSecond();
}

/** Highest resident set size the process has had (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  return statusKilobytes(pid, "VmHWM") * 1024;
}

/** Current resident set size (VmRSS), in bytes. */
export function rssBytes(pid: number): number {
  return statusKilobytes(pid, "VmRSS") * 1024;
}

/** A "Name:   1234 kB" line of /proc/<pid>/status; the kernel's "kB" is 1024 bytes. */
function statusKilobytes(pid: number, name: string): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${name}:\\s*(\\d+)\\s*kB$`, "m").exec(text);
  // Kernel threads and zombies have no memory lines: say so rather than report 0.
  if (match?.[1] === undefined) throw new Error(`no ${name} in /proc/${pid}/status`);
  return Number(match[1]);
}
