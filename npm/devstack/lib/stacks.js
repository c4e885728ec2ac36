'use strict';
// One stack per test worker: what the vitest and jest set-ups share.
//
// The global set-up (in the test runner's main process) starts one
// throwaway stack per worker, all at once, with `devstack up --throwaway`,
// and hands their variables to the workers in one environment variable,
// DEVSTACK_TEST_STACKS (the runners copy the main process's environment
// into each worker they start after the global set-up). A set-up file in
// each worker picks the stack of its worker id and makes its variables the
// worker's environment. The stacks are removed by the global teardown, and
// also when the runner exits without it or is stopped by a signal; those an
// earlier run could not remove (killed with -9) go at the next run's start.
//
// devstack is spawned directly by the runner's main process, never through
// a shell or `npx`: a throwaway stack belongs to the process that started
// devstack, so `devstack gc` removes it if the runner is killed with -9.

const { spawn, execFileSync } = require('node:child_process');
const path = require('node:path');

const { binaryPath, spawnFailure } = require('./binary');

/** The variable the stacks are handed to the workers in. */
const STACKS_VAR = 'DEVSTACK_TEST_STACKS';

/** The engine when neither an option nor DEVSTACK_ENGINE names one. */
const DEFAULT_ENGINE = 'embedded';

/** What devstack takes from the environment that would aim `up` elsewhere. */
const AIMING = ['DEVSTACK_PROJECT', 'DEVSTACK_ENDPOINT', 'DEVSTACK_ENGINE', 'DEVSTACK_FILE'];

/**
 * The stacks this process started and has not removed yet, shared by every
 * copy of this module in the process (a runner may load the set-up and the
 * teardown through different module registries).
 */
const state = (() => {
  const key = Symbol.for('devstack.test-stacks');
  if (!globalThis[key]) {
    globalThis[key] = { running: new Map(), sweep: null, handlersInstalled: false };
  }
  return globalThis[key];
})();

/**
 * The options of a run, made whole: `engine` (option, else DEVSTACK_ENGINE,
 * else the embedded engine), `file` (option, else DEVSTACK_FILE, else
 * `devstack.toml` found from `root` upwards), the binary, and `root`.
 */
function settle(options, root) {
  const opts = options || {};
  const engine = opts.engine || process.env.DEVSTACK_ENGINE || DEFAULT_ENGINE;
  const given = opts.file || process.env.DEVSTACK_FILE;
  const file = given ? path.resolve(root, given) : undefined;
  const binary = opts.binary || binaryPath();
  return { engine, file, binary, root, quiet: Boolean(opts.quiet) };
}

/** The manifest as an error message names it. */
function describeManifest(settings) {
  return settings.file
    ? `manifest \`${settings.file}\``
    : `manifest \`devstack.toml\` found from \`${settings.root}\` upwards`;
}

/** The environment devstack runs in: this one, without what would aim it elsewhere. */
function devstackEnv() {
  const env = { ...process.env };
  for (const name of AIMING) delete env[name];
  delete env[STACKS_VAR];
  return env;
}

/**
 * Runs devstack with `args` to its end; resolves to its exit code, stdout
 * and stderr (rejects only when it cannot be started).
 */
function runDevstack(binary, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      cwd,
      env: devstackEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', (error) => reject(new Error(spawnFailure(binary, error))));
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? 128,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Brings up one throwaway stack; resolves to its variables. */
async function upOne(settings) {
  const args = [];
  if (settings.file) args.push('-f', settings.file);
  args.push('--engine', settings.engine, 'up', '--throwaway', '--format', 'json', '--quiet');
  const run = await runDevstack(settings.binary, args, settings.root);
  if (run.code !== 0) {
    const how = run.signal ? `was stopped by ${run.signal}` : `exited with ${run.code}`;
    const error = new Error(
      `devstack could not start a stack for the tests (engine \`${settings.engine}\`, ` +
        `${describeManifest(settings)}): \`devstack ${args.join(' ')}\` ${how}:\n` +
        `${indent(run.stderr.trim() || '(no output)')}\n` +
        '`npx devstack doctor` checks what devstack needs on this machine and says how to fix it.',
    );
    // For code that catches it; not enumerable, so runners that print an
    // error's own properties do not print devstack's message twice.
    Object.defineProperty(error, 'stderr', { value: run.stderr, enumerable: false });
    throw error;
  }
  let vars;
  try {
    vars = JSON.parse(run.stdout);
  } catch {
    throw new Error(
      `devstack printed something other than JSON for \`up --format json\` (engine \`${settings.engine}\`):\n` +
        indent(run.stdout.trim()),
    );
  }
  return vars;
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/**
 * Removes the stacks of this manifest's project that earlier runs left
 * behind (`devstack gc -p PROJECT`: only runs whose process is gone, never
 * a live one such as another terminal's), and says so when there were
 * any: a runner killed with -9, or stopped while its stacks were starting,
 * cannot remove its own. Best effort: never throws.
 */
async function sweepAbandoned(settings, run) {
  // A throwaway stack's project is the manifest's, `-run-`, 8 hex digits.
  const project = /^(.+)-run-[0-9a-f]{8}$/.exec(run)?.[1];
  if (!project) return;
  try {
    const gc = await runDevstack(settings.binary, ['gc', '-p', project], settings.root);
    const removed = gc.stdout.split('\n').filter((line) => line.startsWith('removed run'));
    if (gc.code === 0 && removed.length > 0 && !settings.quiet) {
      process.stderr.write(
        `devstack: removed ${removed.length} ${removed.length === 1 ? 'stack' : 'stacks'} of ` +
          `\`${project}\` that an earlier run left behind\n`,
      );
    }
  } catch {
    // Best effort: the stacks of this run are what matters.
  }
}

/**
 * Starts `count` stacks of the manifest, all at once, one per worker
 * (worker ids 1..count); sets DEVSTACK_TEST_STACKS for the workers and
 * resolves to the stacks' variables by worker id. When any fails, the
 * others are removed and the error says which engine and manifest, with
 * devstack's own message.
 */
async function startStacks(count, options, root, runner) {
  const settings = settle(options, root);
  installHandlers();
  const started = Date.now();
  const results = await Promise.allSettled(
    Array.from({ length: count }, () =>
      upOne(settings).then((vars) => {
        state.running.set(vars.DEVSTACK_PROJECT, settings.binary);
        return vars;
      }),
    ),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await stopStacks();
    throw failed.reason;
  }
  const stacks = {};
  results.forEach((r, i) => {
    stacks[String(i + 1)] = r.value;
  });
  process.env[STACKS_VAR] = JSON.stringify({ binary: settings.binary, runner, stacks });
  state.sweep = sweepAbandoned(settings, stacks['1'].DEVSTACK_PROJECT);
  if (!settings.quiet) {
    const names = Object.values(stacks).map((s) => s.DEVSTACK_PROJECT);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const each = count === 1 ? 'for the worker' : 'one per worker';
    process.stderr.write(
      `devstack: ${count} ${count === 1 ? 'stack' : 'stacks'} on ${settings.engine} ` +
        `ready in ${seconds}s, ${each}: ${names.join(', ')}\n`,
    );
  }
  return stacks;
}

/**
 * Removes every stack this process started and has not removed yet, all at
 * once. Never throws: a stack that cannot be removed is named on stderr with
 * the command that removes it.
 */
async function stopStacks() {
  await state.sweep;
  const projects = [...state.running.entries()];
  await Promise.all(
    projects.map(async ([project, binary]) => {
      let problem;
      try {
        const run = await runDevstack(binary, ['-p', project, 'down', '--volumes', '--quiet']);
        if (run.code === 0) {
          state.running.delete(project);
          return;
        }
        problem = run.stderr.trim();
      } catch (error) {
        problem = error.message;
      }
      process.stderr.write(
        `devstack: could not remove the stack \`${project}\`:\n${indent(problem)}\n` +
          `  \`npx devstack -p ${project} down --volumes\` removes it.\n`,
      );
    }),
  );
  if (state.running.size === 0 && process.env[STACKS_VAR]) {
    delete process.env[STACKS_VAR];
  }
}

/**
 * The same, synchronously, for `exit` and signal handlers: one Node.js
 * process removes them all at once, and this one waits for it.
 */
function stopStacksNow() {
  const projects = [...state.running.entries()];
  if (projects.length === 0) return;
  try {
    execFileSync(process.execPath, [path.join(__dirname, 'down-all.js'), JSON.stringify(projects)], {
      env: devstackEnv(),
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 120_000,
    });
  } catch {
    // down-all.js named each stack it could not remove on stderr.
  }
  state.running.clear();
}

/**
 * Removes the stacks when the runner exits without its teardown, or is
 * stopped by SIGINT, SIGTERM or SIGHUP. After a signal, when nothing else
 * listens for it (the runner has no handler of its own), the signal is
 * raised again so the runner ends as it would have.
 */
function installHandlers() {
  if (state.handlersInstalled) return;
  state.handlersInstalled = true;
  // First in line: a runner's own `exit` or signal handler may call
  // process.exit(), which ends the process before later listeners run.
  process.prependListener('exit', stopStacksNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const onSignal = () => {
      stopStacksNow();
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.prependListener(signal, onSignal);
  }
}

/**
 * In a worker: makes the stack of worker `workerId` this process's
 * environment. Every AWS_* and DEVSTACK_* variable it had is removed first
 * (AWS_PROFILE, AWS_SESSION_TOKEN, a real AWS_ENDPOINT_URL...), so a test
 * that forgets its endpoint fails instead of reaching a real account; then
 * the stack's variables are set: the AWS_* ones, DEVSTACK_TABLE_PREFIX, the
 * manifest's [env], and DEVSTACK_PROJECT, DEVSTACK_ENGINE, DEVSTACK_FILE (so
 * `devstack reset` acts on this stack).
 */
function useStack(workerId, runner, setup) {
  const handed = process.env[STACKS_VAR];
  if (!handed) {
    throw new Error(
      `devstack: no stacks were started for this ${runner} run: add \`${setup.global}\` ` +
        `to the ${runner} configuration's globalSetup (with \`${setup.file}\` in setupFiles).`,
    );
  }
  const { stacks } = JSON.parse(handed);
  const id = workerId || '1';
  const stack = stacks[id];
  if (!stack) {
    throw new Error(
      `devstack: this is ${runner} worker ${id}, but the global set-up started ` +
        `${Object.keys(stacks).length} stack(s), one per worker it expected. ` +
        `Set the number of workers in the ${runner} configuration (maxWorkers) ` +
        'so that the global set-up sees it.',
    );
  }
  for (const name of Object.keys(process.env)) {
    if ((name.startsWith('AWS_') || name.startsWith('DEVSTACK_')) && name !== STACKS_VAR) {
      delete process.env[name];
    }
  }
  Object.assign(process.env, stack);
  return stack;
}

/** The binary the global set-up used, or this machine's. */
function handedBinary() {
  const handed = process.env[STACKS_VAR];
  if (handed) {
    try {
      const { binary } = JSON.parse(handed);
      if (binary) return binary;
    } catch {
      // Not ours to judge here: the set-up file reports a broken value.
    }
  }
  return binaryPath();
}

/**
 * Brings tables of this worker's stack back to their seed data
 * (`devstack reset [TABLE...]`; every manifest table when none is named).
 * Synchronous: it is done when it returns.
 */
function reset(...tables) {
  const names = tables.flat();
  if (!process.env.DEVSTACK_PROJECT) {
    throw new Error(
      'devstack: reset() acts on the stack of this test worker, and there is none: ' +
        'add the devstack set-up file to setupFiles (devstack/vitest/setup or devstack/jest/setup), ' +
        'or run the tests under `devstack run`.',
    );
  }
  const binary = handedBinary();
  try {
    execFileSync(binary, ['reset', '--quiet', ...names], {
      env: process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    const said = error.stderr ? error.stderr.toString().trim() : error.message;
    throw new Error(
      `devstack reset ${names.join(' ')} failed for the stack \`${process.env.DEVSTACK_PROJECT}\`:\n${indent(said)}`,
    );
  }
}

/** The physical name of a manifest table: DEVSTACK_TABLE_PREFIX + `name`. */
function tableName(name) {
  return `${process.env.DEVSTACK_TABLE_PREFIX || ''}${name}`;
}

module.exports = {
  STACKS_VAR,
  DEFAULT_ENGINE,
  startStacks,
  stopStacks,
  useStack,
  reset,
  tableName,
};
