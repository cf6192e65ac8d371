import { BaseSequencer, type TestSpecification } from "vitest/node";

// With several files at once, the run lasts as long as its longest file started last: the files
// that start processes go first, the benchmark's smoke run (the longest) before all. The cluster
// simulation comes after the e2e suites rather than beside the smoke run, whose saturating load
// would squeeze its bounds on time. Within each group, vitest's own order (the longest last time,
// or the largest file on a fresh clone, as in CI, where there is no last time).
const groups = [/\/bench\/[^/]+\.test\.ts$/, /\/test\/e2e\//, /\/test\/sim\//];
const groupOf = (file: TestSpecification) => {
  const index = groups.findIndex((group) => group.test(file.moduleId));
  return index < 0 ? groups.length : index;
};

/** vitest's sequencer, with the benchmark's smoke run, the e2e suites, then the simulations first. */
export class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return sorted.sort((a, b) => groupOf(a) - groupOf(b)); // stable: vitest's order within a group
  }
}
