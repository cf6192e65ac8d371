import { shape } from "./bench-shape.js";
import { type H2loadOptions, runH2load } from "./h2load.js";
import { measureCase } from "./measure.js";
import type { CaseResult } from "./report.js";

/**
 * An h2load case: saturation runs and one fixed-rate run with the same load shape (gRPC over
 * HTTP/2 unless `protocol` says otherwise).
 */
export function h2loadCase(
  name: string,
  url: string,
  message: Uint8Array,
  pids: Record<string, number>,
  fixedRateOf: (saturationRps: number) => number,
  protocol: Partial<Pick<H2loadOptions, "connectJson" | "headers" | "clients" | "streams">> = {},
): Promise<CaseResult> {
  const load = {
    url,
    message,
    clients: shape.clients,
    streams: shape.streams,
    durationSeconds: shape.seconds,
    ...protocol,
  };
  return measureCase({
    name,
    pids,
    reps: shape.reps,
    saturate: () => runH2load({ ...load, warmUpSeconds: shape.warmUp }),
    fixedRateOf,
    atRate: (rate) => runH2load({ ...load, rate }),
  });
}
