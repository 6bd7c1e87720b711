import { defineConfig } from 'vitest/config';

// The unit tests, as `npm run mutate` runs them against each mutant (stryker.config.json). No projects
// (the runner would start the e2e set-up), and no architecture test: it reads src/, which Stryker's
// sandbox holds instrumented.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: ['test/unit/architecture.test.ts'],
  },
});
