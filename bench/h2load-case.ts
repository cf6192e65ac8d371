import { shape } from "./bench-shape.js";
import { type H2loadOptions, runH2load } from "./h2load.js";
import { type CaseSpec, measureCase } from "./measure.js";
import type { CaseResult } from "./report.js";

/** What a case may change of h2load's load shape (gRPC over HTTP/2 unless it says otherwise). */
export type H2loadProtocol = Partial<
  Pick<H2loadOptions, "connectJson" | "headers" | "clients" | "streams">
>;

/**
 * An h2load case's runs: saturation (after the warm-up) and at a fixed rate, with the same load
 * shape, for cases that schedule their runs themselves (the edge's, in turn).
 */
export function h2loadSpec(
  name: string,
  url: string,
  message: Uint8Array,
  pids: Record<string, number>,
  protocol: H2loadProtocol = {},
): CaseSpec {
  const load = {
    url,
    message,
    clients: shape.clients,
    streams: shape.streams,
    durationSeconds: shape.seconds,
    attempts: shape.attempts,
    ...protocol,
  };
  return {
    name,
    pids,
    saturate: () => runH2load({ ...load, warmUpSeconds: shape.warmUp }),
    atRate: (rate) => runH2load({ ...load, rate }),
  };
}

/** An h2load case: saturation runs and one fixed-rate run with the same load shape. */
export function h2loadCase(
  name: string,
  url: string,
  message: Uint8Array,
  pids: Record<string, number>,
  fixedRateOf: (saturationRps: number) => number,
  protocol: H2loadProtocol = {},
): Promise<CaseResult> {
  return measureCase({
    ...h2loadSpec(name, url, message, pids, protocol),
    reps: shape.reps,
    fixedRateOf,
  });
}
