import { defineConfig } from 'vitest/config';

/**
 * One run for the product and its workspace packages (`npm test`): each package's own config (its tests, its
 * global setup) is a project beside the product's. `npm test -w @pcn/local-step-functions` runs one alone.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'product',
          include: ['test/**/*.test.ts'],
          exclude: ['test/reliability/**', '**/node_modules/**'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      'packages/*/vitest.config.ts',
    ],
  },
});
