#!/usr/bin/env node
'use strict';
// `npx devstack ...`: runs the devstack binary of this platform with the
// same arguments, passes on the signals this process gets, and exits as the
// binary did (with its exit code, or killed by the same signal).
//
// Tools that run devstack themselves (the vitest and jest set-ups) call the
// binary directly (`require('devstack').binaryPath()`), not this launcher:
// a stack made with `up --throwaway` belongs to the process that started
// devstack, and this launcher exits as soon as devstack does.

const { spawn } = require('node:child_process');
const { binaryPath, spawnFailure } = require('../lib/binary');

let binary;
try {
  binary = binaryPath();
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });

// Signals sent to this process alone (`kill PID`, a supervisor) reach
// devstack too. A Ctrl-C on a terminal reaches both already; devstack takes
// a repeated one as the same request.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
const forwarders = new Map();
for (const signal of SIGNALS) {
  const forward = () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
    }
  };
  forwarders.set(signal, forward);
  process.on(signal, forward);
}

child.on('error', (error) => {
  process.stderr.write(`${spawnFailure(binary, error)}\n`);
  process.exit(1);
});

child.on('exit', (code, signal) => {
  for (const [name, forward] of forwarders) {
    process.off(name, forward);
  }
  if (signal) {
    // End the way devstack ended, so a shell or CI sees the same signal.
    process.kill(process.pid, signal);
    // Not ended by it (a signal this platform ignores): its exit code.
    setTimeout(() => process.exit(128 + (require('node:os').constants.signals[signal] ?? 0)), 100);
    return;
  }
  process.exit(code ?? 1);
});
