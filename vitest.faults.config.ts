import { defineConfig } from 'vitest/config';

// `pnpm test:faults`: the fault suite, apart from `pnpm test` because it waits out outages of minutes on purpose.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['./test/faults/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    // Every case runs a whole Tranche (API, workers, emulator) of its own: one at a time on two cores.
    fileParallelism: false,
    reporters: ['default'],
  },
});
