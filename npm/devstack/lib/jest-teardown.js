'use strict';
// jest `globalTeardown: 'devstack/jest/teardown'`: removes every stack the
// global set-up started (they are also removed if jest exits without it).

module.exports = require('./jest').globalTeardown;
