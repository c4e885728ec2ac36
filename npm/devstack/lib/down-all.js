'use strict';
// `node down-all.js '[[PROJECT, BINARY], ...]'`: removes those stacks, all
// at once (`devstack -p PROJECT down --volumes`), and names on stderr any it
// could not remove. The test set-ups run it synchronously when the runner
// exits or is stopped by a signal, where nothing asynchronous can finish.

const { spawn } = require('node:child_process');

const stacks = JSON.parse(process.argv[2]);
let failed = 0;
Promise.all(
  stacks.map(
    ([project, binary]) =>
      new Promise((done) => {
        const child = spawn(binary, ['-p', project, 'down', '--volumes', '--quiet'], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let said = '';
        child.stderr.on('data', (chunk) => {
          said += chunk;
        });
        child.on('error', (error) => {
          said += error.message;
        });
        child.on('close', (code) => {
          if (code !== 0) {
            failed += 1;
            process.stderr.write(
              `devstack: could not remove the stack \`${project}\`:\n${said.trim()}\n` +
                `  \`npx devstack -p ${project} down --volumes\` removes it.\n`,
            );
          }
          done();
        });
      }),
  ),
).then(() => process.exit(failed ? 1 : 0));
