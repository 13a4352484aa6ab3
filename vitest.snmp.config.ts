import { defineConfig } from 'vitest/config';

// The SNMP family's tests against Debian's real agent and tools (snmpd, snmptrap, fping),
// which .ci/run installs: `npm run test:snmp`.
export default defineConfig({
  test: {
    include: ['test/snmp/**/*.snmp.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
