import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // A skipped test is a failure under CI: fail the run if any test is skipped or todo.
    allowOnly: false,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
