import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'local-s3',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
