import { BaseSequencer, type TestSpecification } from "vitest/node";

// With several files at once, the run lasts as long as its longest file started last: the files
// that start processes go first. Within each group, vitest's own order (the longest last time,
// or the largest file on a fresh clone, as in CI, where there is no last time).
const groups = [/\/bench\/[^/]+\.test\.ts$/, /\/test\/sim\//, /\/test\/e2e\//];
const groupOf = (file: TestSpecification) => {
  const index = groups.findIndex((group) => group.test(file.moduleId));
  return index < 0 ? groups.length : index;
};

/** vitest's sequencer, with the benchmark's smoke run, then the simulations, then the e2e suites first. */
export class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return sorted.sort((a, b) => groupOf(a) - groupOf(b)); // stable: vitest's order within a group
  }
}
