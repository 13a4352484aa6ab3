import { defineConfig } from 'vitest/config';

// npm test's last step: pack zhub, install it into a fresh project, run and type-check there.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 900_000,
    pool: 'forks',
  },
});
