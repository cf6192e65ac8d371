import { type CommandLine, UsageError } from "../command-line.js";
import { type JourneyKind, journeyKinds } from "./journeys.js";

/** What `shopmesh load` was asked to do. */
export interface LoadSettings {
  /** Journeys started per second. */
  readonly rate: number;
  readonly durationMs: number;
  /** Users created for the run. */
  readonly shoppers: number;
  /** Each journey kind with its weight. */
  readonly mix: readonly (readonly [JourneyKind, number])[];
}

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const longestMs = 24 * 3_600_000;

/** Reads --rate, --duration, --shoppers and --mix; a UsageError names the one that is wrong. */
export function loadSettings(line: CommandLine): LoadSettings {
  return {
    rate: line.decimal("rate", 0.1, 10_000),
    durationMs: duration(line.required("duration")),
    shoppers: line.wholeNumber("shoppers", 1, 1_000),
    mix: mix(line.required("mix")),
  };
}

/** `30s`, `2m`, `1.5h`, `500ms`, or a number of seconds. Always bounded: load stops by itself. */
function duration(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw);
  const ms = match ? Number(match[1]) * (units[match[2] ?? "s"] ?? 1_000) : Number.NaN;
  if (!(ms >= 100 && ms <= longestMs)) {
    throw new UsageError(`--duration ${raw}: must be from 100ms to 24h, e.g. 30s, 5m or 1h`);
  }
  return ms;
}

/** `browse=50,order=30,…`: weights of the journey kinds; kinds left out are not run. */
function mix(raw: string): [JourneyKind, number][] {
  const rule = `must be KIND=WEIGHT,… with kinds ${journeyKinds.join(", ")} and whole weights`;
  const entries = raw.split(",").map((part) => {
    const [kind = "", weight = ""] = part.split("=");
    if (!journeyKinds.includes(kind as JourneyKind) || !/^\d+$/.test(weight)) {
      throw new UsageError(`--mix ${raw}: ${rule}`);
    }
    return [kind as JourneyKind, Number(weight)] as [JourneyKind, number];
  });
  if (entries.every(([, weight]) => weight === 0)) {
    throw new UsageError(`--mix ${raw}: at least one weight must be above 0`);
  }
  return entries;
}

/** A journey kind drawn by the mix's weights. */
export function drawKind(settings: LoadSettings): JourneyKind {
  const total = settings.mix.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = Math.random() * total;
  for (const [kind, weight] of settings.mix) {
    draw -= weight;
    if (draw < 0) return kind;
  }
  return settings.mix[0]?.[0] ?? "browse";
}
