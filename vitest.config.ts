import { defineConfig } from 'vitest/config';

// End-to-end suites share one Docker engine and one runtime image, so files run one at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
