import { defineConfig } from 'vitest/config';

// Browser tests: a real headless Chromium (Debian's package) driven by playwright-core.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
