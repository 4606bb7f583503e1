import { defineConfig } from 'vitest/config';

// Two cores: run test files two at a time; each file makes its own database and browser.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
