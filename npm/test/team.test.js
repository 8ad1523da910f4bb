'use strict';
// A team vault (docs/team.md) through the package: a vault with two
// password recipients opens with either password (each derived with
// WebCrypto, each person's X25519 identity opened by the core); a
// recipient removed with the CLI (which rotates) opens nothing afterwards.

const test = require('node:test');
const assert = require('node:assert/strict');

const secrets = require('..');
const { PASSWORD, agent, cliVault } = require('./helpers.js');

const BOB = 'Bob-Fake-Team-Passw0rd';
const VALUE = 'sk-fake-team-npm-0001';

function addBob(dir) {
  const r = agent(['--dir', dir, 'secret', 'recipients', 'add', 'bob', '--password', '--iterations', '100000'],
    { env: { AGENT_SECRETS_NEW_PASSWORD: BOB } });
  assert.equal(r.code, 0, r.stderr);
}

test('a vault with two password recipients opens with each password; bob writes, the owner reads', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  addBob(dir);
  const listed = agent(['--dir', dir, 'secret', 'recipients', 'list', '--json']);
  assert.deepEqual(JSON.parse(listed.stdout), [
    { name: 'bob', kind: 'password' },
    { name: 'owner', kind: 'password' },
  ]);
  for (const password of [PASSWORD, BOB]) {
    const vault = await secrets.openVault({ dir, password });
    try {
      assert.equal(vault.get('openai', 'api_key'), VALUE);
    } finally {
      vault.close();
    }
  }
  const bob = await secrets.openVault({ dir, password: BOB });
  try {
    bob.set('openai', 'org_id', 'org-fake-from-bob');
  } finally {
    bob.close();
  }
  const r = agent(['--dir', dir, 'secret', 'get', 'openai', 'org_id', '--show']);
  assert.deepEqual([r.code, r.stdout.trim()], [0, 'org-fake-from-bob'], r.stderr);
});

test('after the CLI removes bob (and rotates), his password opens nothing; the owner still reads', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  addBob(dir);
  const removed = agent(['--dir', dir, 'secret', 'recipients', 'remove', 'bob', '--json']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(JSON.parse(removed.stdout).values_moved, 1);
  await assert.rejects(secrets.openVault({ dir, password: BOB }),
    (e) => e.code === 'WRONG_PASSWORD' && !e.message.includes(VALUE) && !e.message.includes(BOB));
  const owner = await secrets.openVault({ dir, password: PASSWORD });
  try {
    assert.equal(owner.get('openai', 'api_key'), VALUE);
  } finally {
    owner.close();
  }
});

test('a service the merge driver left in conflict is refused with CONFLICT, listed as a problem, and reads after resolve', async (t) => {
  const fs = require('node:fs');
  const path = require('node:path');
  const dir = cliVault(t, [['openai', 'api_key', VALUE], ['stripe', 'secret_key', 'sk-fake-base']]);
  const file = path.join(dir, 'stripe.json');
  const base = fs.readFileSync(file);
  const side = (value) => {
    const r = agent(['--dir', dir, 'secret', 'set', 'stripe', 'secret_key', '--value-stdin'], { input: value });
    assert.equal(r.code, 0, r.stderr);
    return fs.readFileSync(file);
  };
  const ours = side('sk-fake-ours');
  const theirs = side('sk-fake-theirs');
  // git's %O %A %B %P, as files; the result goes into OURS.
  const tmp = path.join(dir, '..');
  for (const [name, bytes] of [['base', base], ['ours', ours], ['theirs', theirs]]) {
    fs.writeFileSync(path.join(tmp, name), bytes);
  }
  const merged = agent(['secret', 'merge-driver', path.join(tmp, 'base'), path.join(tmp, 'ours'),
    path.join(tmp, 'theirs'), '.agent/secrets/stripe.json']);
  assert.equal(merged.code, 1, merged.stderr);
  fs.writeFileSync(file, fs.readFileSync(path.join(tmp, 'ours')), { mode: 0o600 });

  const vault = await secrets.openVault({ dir, password: PASSWORD });
  try {
    assert.throws(() => vault.get('stripe', 'secret_key'), (e) => e.code === 'CONFLICT'
      && e.message.startsWith("stripe.json: unresolved merge: 'secret_key' changed differently on two branches")
      && e.message.includes('agent secret resolve stripe KEY --ours') && !e.message.includes('sk-fake'));
    assert.equal(vault.get('openai', 'api_key'), VALUE);
    const listing = vault.list();
    assert.deepEqual(listing.services.map((s) => s.service), ['openai']);
    assert.deepEqual(listing.problems.map((p) => p.code), ['CONFLICT']);
  } finally {
    vault.close();
  }
  const r = agent(['--dir', dir, 'secret', 'resolve', 'stripe', 'secret_key', '--theirs']);
  assert.equal(r.code, 0, r.stderr);
  const again = await secrets.openVault({ dir, password: PASSWORD });
  try {
    assert.equal(again.get('stripe', 'secret_key'), 'sk-fake-theirs');
  } finally {
    again.close();
  }
});
