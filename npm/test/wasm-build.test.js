'use strict';
// The package's wasm as scripts/build-npm.sh makes it (docs/adr/0012): no
// export returns more than one value, so V8 calls every export through its
// generic JS-to-wasm wrapper instead of compiling one wrapper per
// signature while the module compiles (about 8 ms of CPU per cold start
// with the 38 multi-value signatures wasm-bindgen made by default).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { PACKAGE } = require('./helpers.js');

const WASM = path.join(PACKAGE, 'wasm', 'agent_secrets_wasm_bg.wasm');

/** An unsigned LEB128 at `at`: [value, next offset]. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at];
    at += 1;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

/** Each exported function's name with its number of parameters and results. */
function exportedSignatures(bytes) {
  const types = [];
  const funcTypes = [];
  const exports = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    let size;
    [size, at] = leb(bytes, at + 1);
    const end = at + size;
    let p = at;
    let count;
    if (id === 1 || id === 2 || id === 3 || id === 7) [count, p] = leb(bytes, p);
    if (id === 1) { // types
      for (let i = 0; i < count; i++) {
        assert.equal(bytes[p], 0x60, 'a function type');
        let params;
        let results;
        [params, p] = leb(bytes, p + 1);
        p += params;
        [results, p] = leb(bytes, p);
        p += results;
        types.push({ params, results });
      }
    } else if (id === 2) { // imports: imported functions come first in the index space
      for (let i = 0; i < count; i++) {
        for (let s = 0; s < 2; s++) {
          let len;
          [len, p] = leb(bytes, p);
          p += len;
        }
        const kind = bytes[p];
        p += 1;
        let x;
        if (kind === 0) {
          [x, p] = leb(bytes, p);
          funcTypes.push(x);
        } else if (kind === 1) { // table: reftype, limits
          let flags;
          [flags, p] = leb(bytes, p + 1);
          [x, p] = leb(bytes, p);
          if (flags & 1) [x, p] = leb(bytes, p);
        } else if (kind === 2) { // memory: limits
          let flags;
          [flags, p] = leb(bytes, p);
          [x, p] = leb(bytes, p);
          if (flags & 1) [x, p] = leb(bytes, p);
        } else if (kind === 3) { // global: valtype, mutability
          p += 2;
        } else {
          assert.fail(`import kind ${kind}`);
        }
      }
    } else if (id === 3) { // functions
      for (let i = 0; i < count; i++) {
        let x;
        [x, p] = leb(bytes, p);
        funcTypes.push(x);
      }
    } else if (id === 7) { // exports
      for (let i = 0; i < count; i++) {
        let len;
        [len, p] = leb(bytes, p);
        const name = Buffer.from(bytes.subarray(p, p + len)).toString('utf8');
        p += len;
        const kind = bytes[p];
        let index;
        [index, p] = leb(bytes, p + 1);
        if (kind === 0) exports.push({ name, index });
      }
    }
    at = end;
  }
  return exports.map(({ name, index }) => ({ name, ...types[funcTypes[index]] }));
}

test('no export of the package\'s wasm returns more than one value (V8\'s generic wrapper serves them all)', () => {
  const bytes = fs.readFileSync(WASM);
  // The parse is right: it finds the exports the module says it has.
  const names = WebAssembly.Module.exports(new WebAssembly.Module(bytes))
    .filter((e) => e.kind === 'function').map((e) => e.name).sort();
  const signatures = exportedSignatures(bytes);
  assert.deepEqual(signatures.map((s) => s.name).sort(), names);
  assert.ok(signatures.some((s) => s.name === 'sessionKeyRequest'));
  assert.deepEqual(signatures.filter((s) => s.results > 1).map((s) => s.name), []);
});
