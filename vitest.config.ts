import { defineConfig } from 'vitest/config';

// Two projects. `unit` covers the pure modules and needs no Docker: `npx vitest run --project unit`.
// `e2e` suites share one Docker engine and one runtime image, so its files run one at a time, after the
// set-up that checks the engine and builds the test images.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
