'use strict';
// The devstack package: the path of this machine's devstack binary.

const { binaryPath, platform, version } = require('./binary');

module.exports = { binaryPath, platform, version };
