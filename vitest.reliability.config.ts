import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: kills, faults, load, fuzzing and security against the real local engines. Sized
 * for CI by default; `npm run test:reliability -- --full` (RELIABILITY_SIZE=full) runs the full sizes.
 */
export default defineConfig({
  test: {
    name: 'reliability',
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
