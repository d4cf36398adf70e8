import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // The fault suite (crashes, outages of minutes, stop signals): `pnpm test:faults` (vitest.faults.config.ts).
    exclude: ['test/faults/**', '**/node_modules/**'],
    globalSetup: ['./test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end files start processes of their own, and several unit files run an emulator and workers whose
    // pace they follow: on two cores, one file at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
