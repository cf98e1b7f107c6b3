import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // fuse-native aborts the whole run under worker threads (notes/fuse-native.md).
    pool: 'forks',
    globalSetup: ['test/helpers/global_setup.ts'],
    // Mount tests start daemons and may build with tsc through mount.sh.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
