import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration and browser tests boot real servers; run files in a few forks, not per-core storms.
    pool: 'forks',
    maxWorkers: 2,
    // Type tests (`*.test-d.ts`, expectTypeOf) pin the typed wire (tests/client/wire.test-d.ts).
    typecheck: { enabled: true, include: ['tests/**/*.test-d.ts'], tsconfig: './tests/tsconfig.json' },
  },
});
