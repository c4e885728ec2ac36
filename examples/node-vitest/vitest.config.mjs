import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/vitest/**/*.test.mjs'],
    // One throwaway stack of devstack.toml per worker, removed at the end...
    globalSetup: ['devstack/vitest'],
    // ...and each worker's AWS_* variables pointing at its own.
    setupFiles: ['devstack/vitest/setup'],
  },
});
