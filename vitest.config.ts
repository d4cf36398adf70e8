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
    // One worker runs every file in turn, and a module imported by many files (the producer, the adapters and their
    // SDKs) is loaded once instead of once a file: about 160 s less of a 610 s run. It holds because no test mocks a
    // module and the two that set an environment variable put it back.
    isolate: false,
    reporters: ['default'],
  },
});
