'use strict';
// What the two isolation test files (a and b, for each runner) share.
//
// The two files first wait for each other, so they run at the same time,
// on two workers. Then each writes orders carrying its own marker and scans
// the orders table, round after round; it must never see the other file's
// marker, which it would on one shared stack (neither deletes what it
// wrote). Each also records the stack it ran on (DEVSTACK_PROJECT) in
// `.isolation/RUNNER-FILE.json`, so whoever runs the tests can check that
// the two files really ran on two stacks.

const fs = require('node:fs');
const path = require('node:path');

const { createStore } = require('../src/store');

const RUNNER = process.env.VITEST ? 'vitest' : 'jest';
const DIR = path.join(__dirname, '..', '.isolation');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Says this file has started and waits until the other one has too, in
 * this run: the workers of one run are children of one runner process.
 */
async function meet(marker, other) {
  const run = String(process.ppid);
  fs.mkdirSync(DIR, { recursive: true });
  fs.writeFileSync(path.join(DIR, `${RUNNER}-${marker}.started`), run);
  const theirs = path.join(DIR, `${RUNNER}-${other}.started`);
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (fs.existsSync(theirs) && fs.readFileSync(theirs, 'utf8') === run) return;
    if (Date.now() > deadline) {
      throw new Error(
        `isolation-${other} did not start while isolation-${marker} ran: ` +
          'the two files must run at the same time, on two workers (--maxWorkers 2)',
      );
    }
    await sleep(50);
  }
}

async function isolationCheck(marker, other) {
  await meet(marker, other);
  const store = createStore();
  const seen = new Set();
  try {
    for (let round = 0; round < 10; round += 1) {
      await store.placeOrder(`isolation-${marker}`, `o-${round}`, { marker, round });
      for (const order of await store.allOrders()) {
        if (order.marker) seen.add(order.marker);
      }
      await sleep(100);
    }
  } finally {
    store.close();
  }
  fs.writeFileSync(
    path.join(DIR, `${RUNNER}-${marker}.json`),
    JSON.stringify({
      runner: RUNNER,
      marker,
      project: process.env.DEVSTACK_PROJECT,
      endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
      seen: [...seen],
    }),
  );
  return { seen: [...seen], sawOther: seen.has(other) };
}

module.exports = { isolationCheck };
