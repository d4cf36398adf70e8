import { defineConfig } from 'vitest/config';

// `pnpm test:faults`: the fault suite, apart from `pnpm test` because it waits out outages of minutes on purpose.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['./test/faults/global-setup.ts'],
    // A 5-minute outage, up to 10 minutes to recover (fault-case.ts), and the stack's start and stop.
    testTimeout: 20 * 60_000,
    hookTimeout: 120_000,
    // Every case runs a whole Tranche (API, workers, emulator) of its own: one at a time on two cores.
    fileParallelism: false,
    reporters: ['default'],
  },
});
