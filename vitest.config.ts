import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // The fault suite waits out outages of minutes: `pnpm test:faults` (vitest.faults.config.ts) runs it.
    exclude: ['test/faults/**', '**/node_modules/**'],
    globalSetup: ['./test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end files start processes of their own; two cores are not enough to run them side by side.
    fileParallelism: false,
    reporters: ['default'],
  },
});
