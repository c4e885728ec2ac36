'use strict';
// The devstack package: the path of this machine's devstack binary, and the
// helpers a test uses on the stack of its worker (see devstack/vitest and
// devstack/jest).

const { binaryPath, platform, version } = require('./binary');
const { reset, tableName } = require('./stacks');

module.exports = { binaryPath, platform, version, reset, tableName };
