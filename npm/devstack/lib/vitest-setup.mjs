// vitest `setupFiles: ['devstack/vitest/setup']`: this worker's own stack
// (picked by VITEST_POOL_ID) becomes its environment: AWS_ENDPOINT_URL and
// the other AWS_* variables, DEVSTACK_TABLE_PREFIX, the manifest's [env],
// DEVSTACK_PROJECT; every other AWS_* variable (AWS_PROFILE,
// AWS_SESSION_TOKEN...) is removed.

import stacks from './stacks.js';

stacks.useStack(process.env.VITEST_POOL_ID, 'vitest', {
  global: 'devstack/vitest',
  file: 'devstack/vitest/setup',
});
