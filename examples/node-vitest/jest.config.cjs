/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/jest/**/*.test.cjs'],
  // One throwaway stack of devstack.toml per worker, removed at the end...
  globalSetup: 'devstack/jest',
  globalTeardown: 'devstack/jest/teardown',
  // ...and each worker's AWS_* variables pointing at its own.
  setupFiles: ['devstack/jest/setup'],
};
