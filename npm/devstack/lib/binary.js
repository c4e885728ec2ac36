'use strict';
// Where the devstack binary of this machine is: in the platform package
// npm installed beside this one (one optional dependency per platform, each
// with `os` and `cpu` fields, so npm installs only the one that fits), or
// where DEVSTACK_BINARY says.

const fs = require('node:fs');
const path = require('node:path');

const { version } = require('../package.json');

/** The platform package of each `process.platform process.arch`. */
const PLATFORMS = {
  'linux x64': '@devstack/linux-x64',
  'linux arm64': '@devstack/linux-arm64',
  'darwin x64': '@devstack/darwin-x64',
  'darwin arm64': '@devstack/darwin-arm64',
};

/** This machine as npm's `os` and `cpu` fields name it, e.g. `linux-x64`. */
function platform() {
  return `${process.platform}-${process.arch}`;
}

/**
 * The path of the devstack binary for this machine. Throws an Error saying
 * what is missing and how to get it when no binary is installed.
 */
function binaryPath() {
  const override = process.env.DEVSTACK_BINARY;
  if (override) {
    if (!fs.existsSync(override)) {
      throw new Error(
        `devstack: DEVSTACK_BINARY is set to \`${override}\`, which does not exist`,
      );
    }
    return override;
  }
  const name = PLATFORMS[`${process.platform} ${process.arch}`];
  if (!name) {
    const supported = Object.values(PLATFORMS)
      .map((p) => p.replace('@devstack/', ''))
      .join(', ');
    throw new Error(
      `devstack: no prebuilt binary for this platform (${platform()}); there are ` +
        `binaries for ${supported}. Build it from source with \`cargo install --path .\` ` +
        'in a checkout of devstack, and set DEVSTACK_BINARY to the binary it installs.',
    );
  }
  let dir;
  try {
    dir = path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    if (isMusl()) {
      throw new Error(
        `devstack: no prebuilt binary for this system (${platform()} with musl libc, ` +
          'e.g. Alpine): the Linux binaries need glibc, so npm did not install ' +
          `\`${name}\`. Use a glibc-based image (Debian, Ubuntu), or build devstack ` +
          'from source and set DEVSTACK_BINARY to it.',
      );
    }
    throw new Error(
      `devstack: the binary for this platform (${platform()}) comes in the package ` +
        `\`${name}\`, which is not installed. It is an optional dependency of ` +
        '`devstack`: installing with `--no-optional` or `--omit=optional` ' +
        '(or NPM_CONFIG_OMIT=optional, or from a lockfile made without it) drops it. ' +
        `Install again without those, or add it yourself: npm install ${name}@${version}`,
    );
  }
  const binary = path.join(dir, 'bin', 'devstack');
  if (!fs.existsSync(binary)) {
    throw new Error(
      `devstack: the package \`${name}\` in \`${dir}\` has no \`bin/devstack\`; ` +
        `install it again: npm install ${name}@${version}`,
    );
  }
  return binary;
}

/** Whether this is Linux with musl libc rather than glibc. */
function isMusl() {
  if (process.platform !== 'linux') return false;
  try {
    return !process.report.getReport().header.glibcVersionRuntime;
  } catch {
    return false;
  }
}

/**
 * Why spawning `binary` failed with `error`, in words a user can act on.
 */
function spawnFailure(binary, error) {
  if (error.code === 'ENOENT' && fs.existsSync(binary)) {
    // The file is there but the kernel cannot load it: on Linux, a binary
    // linked against glibc on a musl system (Alpine) fails this way.
    return (
      `devstack: cannot run \`${binary}\`: the file is there but cannot be loaded ` +
      `(${error.message}). The Linux binaries need glibc; musl systems such as ` +
      'Alpine are not supported.'
    );
  }
  if (error.code === 'EACCES') {
    return `devstack: cannot run \`${binary}\`: it is not executable (${error.message}); install the package again`;
  }
  return `devstack: cannot run \`${binary}\`: ${error.message}`;
}

module.exports = { binaryPath, platform, spawnFailure, PLATFORMS, version };
