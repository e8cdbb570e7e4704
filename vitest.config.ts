import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Files that wait on the clock start first, so the other files run beside them instead of after them: the payout
// recovery test waits out a payout's two-minute lease (PostgreSQL only: 135 s, while the rest of the suite takes
// about 250 s on two workers), the console's browser test is the longest of the others (40 s). Otherwise vitest's
// order: on a fresh clone (no cache) the largest files first, and later the slowest of the last run.
const START_FIRST = ['test/payouts-recovery.test.ts', 'test/e2e/admin.test.ts'];

class LongWaitsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const place = (file: TestSpecification) => {
      const index = START_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return index < 0 ? START_FIRST.length : index;
    };
    return (await super.sort(files)).sort((a, b) => place(a) - place(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'stripe-emulator/test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    sequence: { sequencer: LongWaitsFirst },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // expect.poll waits for a condition (a page showing what the API just did); vitest's default of 1 s is shorter
    // than a page load on a busy 2-core CI machine running two test files at once.
    expect: { poll: { timeout: 10_000, interval: 100 } },
  },
});
