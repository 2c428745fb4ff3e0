import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'local-step-functions',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
