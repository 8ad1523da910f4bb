'use strict';
// Every process the package starts is made here (today: the user's alert
// command), with an environment without the master passwords: the core's
// list (env::NOT_INHERITED), as the CLI's native-cli/src/child.rs. No
// other file of lib/ may require node:child_process (test/children.test.js).

const { spawnSync } = require('node:child_process');

const { loaded } = require('./wasm.js');

/** A copy of `processEnv` without the variables no child inherits. */
function childEnv(processEnv) {
  const env = { ...processEnv };
  for (const name of loaded().notInherited()) delete env[name];
  return env;
}

/**
 * `spawnSync(program, args)` without a shell and with `childEnv(processEnv)`;
 * `options` may set stdio and input, never the environment.
 */
function runChild(program, args, processEnv, options = {}) {
  return spawnSync(program, args, { ...options, env: childEnv(processEnv), shell: false });
}

module.exports = { childEnv, runChild };
