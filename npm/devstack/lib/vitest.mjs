// vitest: `globalSetup: ['devstack/vitest']` starts one throwaway stack of
// the project's manifest per worker, on the embedded engine unless told
// otherwise, and removes them when the run ends; `setupFiles:
// ['devstack/vitest/setup']` gives each worker its own stack's variables.
//
// Options: a global set-up file of your own,
//   import { globalSetup } from 'devstack/vitest';
//   export default globalSetup({ engine: 'dynamodb-local', file: 'devstack.toml' });

import os from 'node:os';

import stacks from './stacks.js';

/**
 * How many workers vitest will run at once: the number of pool ids
 * (VITEST_POOL_ID, 1..n) its workers get. Computed the way vitest 3's pools
 * compute it from the resolved configuration.
 */
export function workerCount(config) {
  if (config.fileParallelism === false) return 1;
  const pool = config.pool || 'forks';
  const poolOptions = config.poolOptions?.[pool] ?? {};
  if (poolOptions.singleFork || poolOptions.singleThread) return 1;
  const cpus =
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const byDefault = config.watch ? Math.max(Math.floor(cpus / 2), 1) : Math.max(cpus - 1, 1);
  const max = poolOptions.maxForks ?? poolOptions.maxThreads ?? config.maxWorkers ?? byDefault;
  return Math.max(1, Number.parseInt(max, 10) || 1);
}

/**
 * A vitest global set-up with these options: `engine` ('embedded' by
 * default, or DEVSTACK_ENGINE), `file` (the manifest; DEVSTACK_FILE, else
 * devstack.toml from vitest's root upwards), `binary`, `quiet`.
 */
export function globalSetup(options = {}) {
  return async function setup(project) {
    // vitest 3 passes the TestProject; its `vitest.config` is the root
    // configuration the pools are made from. vitest 2 passes { config }.
    const config = project?.vitest?.config ?? project?.globalConfig ?? project?.config ?? {};
    const root = project?.config?.root ?? config.root ?? process.cwd();
    await stacks.startStacks(workerCount(config), options, root, 'vitest');
    return async function teardown() {
      await stacks.stopStacks();
    };
  };
}

export default globalSetup();
