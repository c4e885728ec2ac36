'use strict';
// jest: `globalSetup: 'devstack/jest'` starts one throwaway stack of the
// project's manifest per worker (globalConfig.maxWorkers), on the embedded
// engine unless told otherwise; `globalTeardown: 'devstack/jest/teardown'`
// removes them; `setupFiles: ['devstack/jest/setup']` gives each worker its
// own stack's variables.
//
// Options: a global set-up file of your own,
//   module.exports = require('devstack/jest').globalSetup({ engine: 'dynamodb-local' });

const stacks = require('./stacks');

/**
 * A jest global set-up with these options: `engine` ('embedded' by
 * default, or DEVSTACK_ENGINE), `file` (the manifest; DEVSTACK_FILE, else
 * devstack.toml from jest's rootDir upwards), `binary`, `quiet`.
 */
function globalSetup(options = {}) {
  return async function setup(globalConfig, projectConfig) {
    const root = projectConfig?.rootDir ?? globalConfig?.rootDir ?? process.cwd();
    // Worker ids (JEST_WORKER_ID) run from 1 to maxWorkers; a run in band
    // is worker 1.
    const count = Math.max(1, Number(globalConfig?.maxWorkers) || 1);
    await stacks.startStacks(count, options, root, 'jest');
  };
}

/** The jest global teardown: removes every stack the global set-up started. */
async function globalTeardown() {
  await stacks.stopStacks();
}

module.exports = globalSetup();
module.exports.globalSetup = globalSetup;
module.exports.globalTeardown = globalTeardown;
