import { readFileSync } from "node:fs";

// `node dist/bench/profile-summary.js FILE.cpuprofile [N] [--per REQUESTS]`: where a CPU
// profile's time went, as text: self time by function and by file (node_modules packages
// folded), and inclusive time of the heaviest functions, each as a share of the samples and,
// with --per, as µs per request (the profile's span over REQUESTS served in it: profile.ts
// prints the count). For profiles of bench/profile.ts.

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** µs, on the profiler's clock. */
  readonly startTime: number;
  readonly endTime: number;
}

const args = process.argv.slice(2);
const perAt = args.indexOf("--per");
const requests = perAt >= 0 ? Number(args.splice(perAt, 2)[1]) : undefined;
const [file, topArg] = args;
if (!file) throw new Error("usage: profile-summary FILE.cpuprofile [N] [--per REQUESTS]");
const top = Number(topArg ?? "40");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
process.stdout.on("error", () => process.exit(0)); // piped into head
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);
const hits = new Map<number, number>();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const total = profile.samples.length;
// Each sample stands for an equal slice of the profile's span (samples are taken on a wall clock).
const microsPerRequest = (count: number) =>
  requests ? ((profile.endTime - profile.startTime) * count) / total / requests : undefined;

const where = (node: ProfileNode) => {
  const url = node.callFrame.url.replace(/^file:\/\//, "");
  const inModules = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/);
  return inModules
    ? `${inModules[1]}/${inModules[2]}`
    : url.replace(/^.*\/dist\//, "dist/") || "(native)";
};
const label = (node: ProfileNode) =>
  `${node.callFrame.functionName || "(anonymous)"} ${where(node)}:${node.callFrame.lineNumber + 1}`;

const self = new Map<string, number>();
const selfByFile = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, count] of hits) {
  const node = byId.get(id);
  if (!node) continue;
  self.set(label(node), (self.get(label(node)) ?? 0) + count);
  const fileKey = where(node).replace(/^((?:@[^/]+\/)?[^/]+)\/.*$/, (m, pkg: string) =>
    node.callFrame.url.includes("node_modules") ? pkg : m,
  );
  selfByFile.set(fileKey, (selfByFile.get(fileKey) ?? 0) + count);
  // Each function on the stack once, however often it recurses.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at);
    if (!frame) break;
    const key = label(frame);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + count);
  }
}
const print = (title: string, table: Map<string, number>) => {
  const unit = requests ? ", and µs per request" : "";
  process.stdout.write(`\n== ${title} (share of ${total} samples${unit})\n`);
  for (const [key, count] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = `${((100 * count) / total).toFixed(1).padStart(5)}%`;
    const micros = microsPerRequest(count);
    const each = micros === undefined ? "" : `${micros.toFixed(1).padStart(8)} µs`;
    process.stdout.write(`${share}${each}  ${key}\n`);
  }
};
print("self time by function", self);
print("self time by file or package", selfByFile);
print("inclusive time", inclusive);
