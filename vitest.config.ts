import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    allowOnly: false,
    // One test file at a time: the build-and-run, deploy and reliability
    // suites each load both cores, and the reliability suite's overload and
    // timeout checks must not compete with a parallel go build.
    fileParallelism: false,
    // A skipped test is a failure: the second reporter fails the run if any test was skipped.
    reporters: ['default', './test/support/no-skips-reporter.ts'],
  },
});
