'use strict';
// Every process the package starts is made by lib/child.js, without the
// master passwords in its environment (the core's list, as the CLI's).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

require('..'); // starts the wasm module
const { ready } = require('../lib/wasm.js');
const { childEnv, runChild } = require('../lib/child.js');

test('only lib/child.js starts processes', () => {
  const lib = path.join(__dirname, '..', 'lib');
  for (const name of fs.readdirSync(lib)) {
    if (name === 'child.js') continue;
    const text = fs.readFileSync(path.join(lib, name), 'utf8');
    assert.ok(!/child_process|\bspawn|\bexecFile|\bfork\(/.test(text), `${name} starts a process itself`);
  }
});

test('a child never inherits AGENT_SECRETS_PASSWORD or AGENT_SECRETS_NEW_PASSWORD', async () => {
  await ready();
  const processEnv = {
    PATH: process.env.PATH, AGENT_SECRETS_PASSWORD: 'Fake-Passw0rd!', AGENT_SECRETS_NEW_PASSWORD: 'Fake-New-Passw0rd!', KEEP: '1',
  };
  assert.deepEqual(childEnv(processEnv), { PATH: process.env.PATH, KEEP: '1' });
  assert.equal(processEnv.AGENT_SECRETS_PASSWORD, 'Fake-Passw0rd!', 'the caller\'s object is left as it was');
  const r = runChild(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.env))'], processEnv,
    { encoding: 'utf8' });
  assert.equal(r.status, 0);
  const seen = JSON.parse(r.stdout);
  assert.equal(seen.KEEP, '1');
  assert.equal(seen.AGENT_SECRETS_PASSWORD, undefined);
  assert.equal(seen.AGENT_SECRETS_NEW_PASSWORD, undefined);
});
