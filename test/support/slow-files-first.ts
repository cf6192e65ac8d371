import { BaseSequencer, type TestSpecification } from "vitest/node";

// With two files at a time, the run lasts as long as its longest file started last: the files
// that start processes go first, the benchmark's smoke run (the longest) before all; the cluster
// simulation after the e2e suites rather than beside the smoke run, whose saturating bursts would
// squeeze its bounds on time. The HPA simulation (test/sim/autoscaling.test.ts) scales on the CPU
// its pods use, so it goes last of all: by then the other worker has only short files left and it
// runs almost alone. Within each group, vitest's own order (the longest last time, or the largest
// file on a fresh clone, as in CI, where there is no last time).
// [pattern, rank]: the first pattern a file matches gives its rank; lower ranks start first.
const ranks: [RegExp, number][] = [
  [/\/bench\/[^/]+\.test\.ts$/, 0],
  [/\/test\/e2e\//, 1],
  [/\/test\/sim\/autoscaling\.test\.ts$/, 4],
  [/\/test\/sim\//, 2],
];
const rest = 3;
const rankOf = (file: TestSpecification) =>
  ranks.find(([pattern]) => pattern.test(file.moduleId))?.[1] ?? rest;

/** vitest's sequencer, in the groups above: long and process-heavy first, CPU-sensitive last. */
export class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return sorted.sort((a, b) => rankOf(a) - rankOf(b)); // stable: vitest's order within a group
  }
}
