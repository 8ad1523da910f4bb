'use strict';
// Every process the package starts is made here (today: the user's alert
// command), with an environment without the master passwords: the core's
// list (env::NOT_INHERITED), as the CLI's native-cli/src/child.rs. No
// other file of lib/ may require node:child_process (test/children.test.js).

const { loaded } = require('./wasm.js');

/** node:child_process, loaded on first use: most processes never start one,
 * and loading it costs ~3 ms of every `require('agent-secrets')`. */
let childProcess;

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
  if (childProcess === undefined) childProcess = require('node:child_process');
  return childProcess.spawnSync(program, args, { ...options, env: childEnv(processEnv), shell: false });
}

module.exports = { childEnv, runChild };
