import { defineConfig } from 'vitest/config';

const shared = {
  globalSetup: ['./test/support/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        // Each file has its own database and queue prefix, and starts no process: two at a time, first.
        test: {
          ...shared,
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // End-to-end files start processes of their own; two cores are not enough to run them side by side.
        // The fault suite waits out outages of minutes: `pnpm test:faults` (vitest.faults.config.ts) runs it.
        test: {
          ...shared,
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          exclude: ['test/faults/**', '**/node_modules/**'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
