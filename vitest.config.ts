import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Those need a PostgreSQL server: `npm run test:postgres`. The package test builds the
    // native SQLite module in a fresh project: it runs on its own after the rest (npm test),
    // so that compile does not slow the timing-sensitive proof tests beside it.
    // The SNMP tests need Debian's snmpd and tools: `npm run test:snmp` (.ci/run installs them).
    exclude: ['test/postgres/**', 'test/package/**', 'test/snmp/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
