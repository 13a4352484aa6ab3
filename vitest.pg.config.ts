import { defineConfig } from 'vitest/config';

// `npm run test:postgres`: the tests that need a real PostgreSQL server (ZHUB_TEST_PG).
export default defineConfig({
  test: {
    include: ['test/postgres/**/*.pg.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
