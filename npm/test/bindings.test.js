'use strict';
// wasm/src/lib.rs documents the module's JavaScript API; this holds that
// list to what the package's wasm really exports, both ways, so a new
// binding cannot go unlisted and a listed one cannot vanish. The bindings
// behind the `hazmat` feature must be listed as such and be absent here.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { loaded } = require('../lib/wasm.js');
const { REPO } = require('./helpers.js');

/** The backticked names of the doc comment's "JavaScript API" list. */
function documented() {
  const source = fs.readFileSync(path.join(REPO, 'wasm', 'src', 'lib.rs'), 'utf8');
  const doc = source.split('\n').filter((l) => l.startsWith('//!')).map((l) => l.slice(4)).join('\n');
  const start = doc.indexOf('JavaScript API');
  const end = doc.indexOf('\n\n', start);
  assert.ok(start >= 0 && end > start, 'lib.rs has a "JavaScript API" paragraph');
  // "(module `env`)" names the Rust module a group lives in, not an export.
  const items = doc.slice(start, end).replace(/\(module `\w+`/g, '(').split('\n- ').slice(1);
  const names = (text) => [...text.matchAll(/`([A-Za-z][A-Za-z0-9]*(?:[.][A-Za-z][A-Za-z0-9]*)?)`/g)].map((m) => m[1]);
  const hazmat = items.filter((i) => i.includes('`hazmat`')).flatMap(names).filter((n) => n !== 'hazmat');
  const shipped = items.filter((i) => !i.includes('`hazmat`')).flatMap(names);
  return { shipped: new Set(shipped), hazmat: new Set(hazmat) };
}

/** What the module exports: `name`, `Vault.name` (static), `vault.name` (method). */
function exported() {
  const wasm = loaded();
  const out = new Set();
  for (const name of Object.keys(wasm)) {
    if (!name.startsWith('__') && name !== 'Vault') out.add(name);
  }
  for (const name of Object.getOwnPropertyNames(wasm.Vault)) {
    if (!['length', 'name', 'prototype'].includes(name) && !name.startsWith('__')) out.add(`Vault.${name}`);
  }
  for (const name of Object.getOwnPropertyNames(wasm.Vault.prototype)) {
    if (name !== 'constructor' && !name.startsWith('__')) out.add(`vault.${name}`);
  }
  return out;
}

test('wasm/src/lib.rs lists every binding the module exports, and only those', () => {
  const { shipped, hazmat } = documented();
  const actual = exported();
  assert.deepEqual([...actual].filter((n) => !shipped.has(n)).sort(), [], 'exported but not listed');
  assert.deepEqual([...shipped].filter((n) => !actual.has(n)).sort(), [], 'listed but not exported');
  assert.deepEqual([...hazmat].sort(), ['aes256GcmOpen', 'aes256GcmSeal', 'pbkdf2HmacSha256']);
  assert.deepEqual([...hazmat].filter((n) => actual.has(n)), [], 'hazmat bindings are not in the package');
});
