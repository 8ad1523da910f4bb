'use strict';
// The vault folder is untrusted input, through the package: a config.json
// changed without the password is refused before anything in it is used,
// the attempt is counted before the WebCrypto derivation, and the lines the
// package writes for an open vault carry a MAC.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const secrets = require('..');
const { PASSWORD, agent, auditLines, cliVault } = require('./helpers.js');

const VALUE = 'sk-fake-trust-npm-0001';
const WRONG = 'Wrong-Fake-Passw0rd';
const MAC_MESSAGE = /^config\.json: its MAC does not verify under this vault's key/;

function editConfig(dir, f) {
  const file = path.join(dir, 'config.json');
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  f(doc);
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}

test('a config.json changed without the password is refused as INTEGRITY; list still works', async (t) => {
  for (const edit of [
    (doc) => { doc.env = { 'openai/api_key': ['PLANTED_VARIABLE'] }; },
    (doc) => { doc.keys.k0 = doc.keys.k1; doc.active_key = 'k0'; },
    (doc) => { doc.lockout.max_attempts = 100; },
  ]) {
    const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
    editConfig(dir, edit);
    const env = {};
    await assert.rejects(secrets.openVault({ dir, password: PASSWORD }),
      (e) => e.code === 'INTEGRITY' && MAC_MESSAGE.test(e.message) && !e.message.includes(VALUE));
    await assert.rejects(secrets.loadEnv({ dir, password: PASSWORD, processEnv: env }), { code: 'INTEGRITY' });
    assert.deepEqual(env, {}, 'no value sent anywhere');
    const listed = secrets.list(undefined, { dir });
    assert.deepEqual(listed.services.map((s) => s.service), ['openai']);
  }
});

test('parallel wrong passwords reach the derivation at most max_attempts times', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  const set = agent(['--dir', dir, 'secret', 'config', '--lockout-attempts', '3',
    '--lockout-delay', '600', '--lockout-max-delay', '600']);
  assert.equal(set.code, 0, set.stderr);
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, () => secrets.openVault({ dir, password: WRONG, lockTimeoutMs: 30000 })));
  const codes = results.map((r) => r.status === 'rejected' && r.reason.code);
  assert.equal(codes.filter((c) => c === 'WRONG_PASSWORD').length, 3, codes.join());
  assert.equal(codes.filter((c) => c === 'LOCKED').length, 5, codes.join());
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  assert.deepEqual([state.lockouts, state.in_flight], [1, 0]);
});

test('lines written for an open vault carry a MAC that the CLI verifies', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  assert.equal(vault.get('openai', 'api_key'), VALUE);
  assert.throws(() => vault.get('openai', 'nope'), { code: 'NOT_FOUND' });
  vault.close();
  const lines = auditLines(dir).filter((l) => l.source === 'node');
  assert.deepEqual(lines.map((l) => [l.operation, l.status, typeof l.mac]),
    [['get', 'success', 'string'], ['get', 'not_found', 'string']]);
  const r = agent(['--dir', dir, 'secret', 'audit', '--verify', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.equal(v.ok, true);
  assert.equal(v.macs_checked, true);
  assert.equal(v.unauthenticated, 0);
  assert.equal(v.authenticated, v.lines);
});

test('state.json locked until 2099 is corrupt, not a lockout', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({
    format: 'agent-secrets/state', version: 1, failed_attempts: 0, in_flight: 0, lockouts: 30,
    locked_until: '2099-01-01T00:00:00Z', last_failure_at: null, last_attempt_at: null,
  }));
  const seen = [];
  const on = (w) => { if (w.name === 'AgentSecretsWarning') seen.push(w.message); };
  process.on('warning', on);
  let vault;
  try {
    vault = await secrets.openVault({ dir, password: PASSWORD });
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', on);
  }
  t.after(() => vault.close());
  assert.equal(vault.get('openai', 'api_key'), VALUE);
  assert.equal(seen.length, 1);
  assert.match(seen[0], /^state\.json: locked_until is more than the policy's longest lockout/);
  assert.match(seen[0], /starts again from zero/);
});
