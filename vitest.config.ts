import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'stripe-emulator/test/**/*.test.ts'],
    environment: 'node',
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
