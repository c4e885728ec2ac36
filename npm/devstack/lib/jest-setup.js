'use strict';
// jest `setupFiles: ['devstack/jest/setup']`: this worker's own stack
// (picked by JEST_WORKER_ID) becomes the test file's environment:
// AWS_ENDPOINT_URL and the other AWS_* variables, DEVSTACK_TABLE_PREFIX, the
// manifest's [env], DEVSTACK_PROJECT; every other AWS_* variable
// (AWS_PROFILE, AWS_SESSION_TOKEN...) is removed.

require('./stacks').useStack(process.env.JEST_WORKER_ID, 'jest', {
  global: 'devstack/jest',
  file: 'devstack/jest/setup',
});
