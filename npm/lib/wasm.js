'use strict';
// The core's wasm module, compiled off the main thread. `require` starts
// WebAssembly.compile (V8 decodes and validates on its worker threads) and
// returns at once; `ready()` awaits it for openVault, so the compile runs
// while the rest of the package and Node's crypto load. The synchronous
// exports (list, status, envVarsFor) call `loaded()`, which
// compiles on the spot if the module is not there yet. Either way the
// module is instantiated once. See docs/adr/0003.

const fs = require('node:fs');
const path = require('node:path');

const WASM_PATH = path.join(__dirname, '..', 'wasm', 'agent_secrets_wasm_bg.wasm');

let instantiated = false;
/** @type {Promise<WebAssembly.Module> | null} */
let compiling = null;

function bytes() {
  return fs.readFileSync(WASM_PATH);
}

function instantiate(module) {
  if (!instantiated) {
    glue.__instantiate(module);
    instantiated = true;
  }
  return glue;
}

/** Starts the background compile (once); a failure surfaces in ready() or loaded(). */
function start() {
  if (compiling === null && !instantiated) {
    try {
      compiling = WebAssembly.compile(bytes());
    } catch (e) {
      compiling = Promise.reject(e);
    }
    compiling.catch(() => { /* reported by ready(), or loaded() compiles again */ });
  }
}

/** The instantiated module, compiling it synchronously if the background compile has not finished. */
function loaded() {
  if (instantiated) return glue;
  return instantiate(new WebAssembly.Module(bytes()));
}

/** The instantiated module, once the background compile has finished. */
async function ready() {
  if (instantiated) return glue;
  start();
  const module = await compiling;
  return instantiate(module);
}

// Before the glue's own 34 KB of JavaScript load: the compile starts first.
start();
const glue = require('../wasm/agent_secrets_wasm.js');

module.exports = { loaded, ready };
