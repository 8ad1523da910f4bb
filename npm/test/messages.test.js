'use strict';
// The package's error messages and codes against the shared list in
// tests/messages/errors.json, which the CLI's tests check too: each state
// is reached for real, and err.message and err.code must be the listed ones.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const secrets = require('..');
const { REPO, PASSWORD, cliVault, tempDir } = require('./helpers.js');

const LIST = JSON.parse(fs.readFileSync(path.join(REPO, 'tests', 'messages', 'errors.json'), 'utf8'));
const WRONG = 'Wrong-Fake-Passw0rd';
const VALUE = 'sk-fake-messages-0123456789';

/** The text with each {name} replaced by each value `vars` allows for it. */
function fill(text, vars) {
  let out = [text];
  for (const [name, values] of Object.entries(vars)) {
    const holder = `{${name}}`;
    assert.ok(text.includes(holder), `${holder} is not in ${text}`);
    const allowed = Array.isArray(values) ? values : [values];
    out = out.flatMap((t) => allowed.map((v) => t.split(holder).join(v)));
  }
  for (const t of out) assert.ok(!t.includes('{'), `a placeholder left unfilled in ${t}`);
  return out;
}

const checked = new Set();

/** Asserts that `error` is the entry `id`, its placeholders filled from `vars`. */
function check(error, id, vars = {}) {
  const entry = LIST.messages.find((e) => e.id === id);
  assert.ok(entry, `${id} is not in errors.json`);
  assert.ok(error instanceof secrets.AgentSecretsError, `${id}: an AgentSecretsError, got ${error}`);
  assert.equal(error.code, entry.code, id);
  const wanted = fill(entry.text, vars);
  assert.ok(wanted.includes(error.message), `${id}:\n  got  ${error.message}\n  want ${wanted.join('\n    or ')}`);
  checked.add(id);
}

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

test('every listed message is what the package says', async (t) => {
  const missing = path.join(tempDir(t), 'nowhere', 'secrets');
  check(await rejection(secrets.openVault({ dir: missing, password: PASSWORD })), 'not_initialized');

  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  const vault = await secrets.openVault({ dir, password: PASSWORD, lockTimeoutMs: 30 });
  t.after(() => vault.close());
  check(thrown(() => vault.get('stripe', 'secret_key')), 'service_not_found', { service: 'stripe' });
  check(thrown(() => vault.get('openai', 'org_id')), 'secret_not_found', { service: 'openai', key: 'org_id' });
  check(thrown(() => vault.get('../etc', 'api_key')), 'invalid_service_name');
  check(thrown(() => vault.get('openai', 'bad key')), 'invalid_key_name');

  const stripe = path.join(dir, 'stripe.json');
  fs.mkdirSync(stripe);
  check(thrown(() => vault.get('stripe', 'secret_key')), 'not_a_regular_file', { path: stripe });
  fs.rmdirSync(stripe);

  // A live holder of the lock: this process, on this host.
  const since = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const holder = { pid: process.pid, host: os.hostname(), created_at: since, nonce: '0123456789abcdef', tool: 'cli' };
  fs.writeFileSync(path.join(dir, '.lock'), `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  check(thrown(() => vault.set('openai', 'api_key', 'sk-fake-new')), 'busy', {
    lock: path.join(dir, '.lock'), pid: String(process.pid), host: os.hostname(), since, tool: 'cli',
  });
  fs.rmSync(path.join(dir, '.lock'));

  // Five wrong passwords: the counts, then the lockout.
  for (const n of ['4', '3', '2']) {
    check(await rejection(secrets.openVault({ dir, password: WRONG })), 'wrong_password', { n });
  }
  check(await rejection(secrets.openVault({ dir, password: WRONG })), 'wrong_password_last_attempt');
  check(await rejection(secrets.openVault({ dir, password: WRONG })), 'wrong_password_starts_lockout', { seconds: '30' });
  // The next attempt, even with the right password, waits; a second may pass.
  check(await rejection(secrets.openVault({ dir, password: PASSWORD })), 'locked', { seconds: ['30', '29'] });

  const other = cliVault(t, [['openai', 'api_key', VALUE]]);
  const file = path.join(other, 'openai.json');
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  const ct = doc.secrets.api_key.ciphertext;
  doc.secrets.api_key.ciphertext = (ct.startsWith('A') ? 'B' : 'A') + ct.slice(1);
  fs.writeFileSync(file, JSON.stringify(doc, null, 2));
  const opened = await secrets.openVault({ dir: other, password: PASSWORD });
  check(thrown(() => opened.get('openai', 'api_key')), 'tampered_value', { file: 'openai.json', key: 'api_key' });
  opened.close();

  const configFile = path.join(other, 'config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  config.lockout.max_attempts = 7;
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  check(await rejection(secrets.openVault({ dir: other, password: PASSWORD })), 'config_mac');
  config.version = 2;
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  check(await rejection(secrets.openVault({ dir: other, password: PASSWORD })), 'newer_version',
    { file: 'config.json', found: '2' });

  // What a merge with conflicts leaves (docs/format.md §3.3, §6.1).
  const merged = cliVault(t, [['openai', 'api_key', VALUE]]);
  const service = path.join(merged, 'openai.json');
  const entry = JSON.parse(fs.readFileSync(service, 'utf8')).secrets.api_key;
  fs.writeFileSync(service, JSON.stringify({
    format: 'agent-secrets/service-conflict', version: 1, service: 'openai',
    secrets: {}, conflicts: { api_key: { ours: entry, theirs: null } },
  }));
  const mergedVault = await secrets.openVault({ dir: merged, password: PASSWORD });
  check(thrown(() => mergedVault.get('openai', 'api_key')), 'service_conflict',
    { file: 'openai.json', keys: "'api_key'", service: 'openai' });
  mergedVault.close();
  const mergedConfig = path.join(merged, 'config.json');
  const ours = JSON.parse(fs.readFileSync(mergedConfig, 'utf8'));
  fs.writeFileSync(mergedConfig, JSON.stringify({
    format: 'agent-secrets/config-conflict', version: 1, base: null, ours, theirs: ours,
  }));
  check(await rejection(secrets.openVault({ dir: merged, password: PASSWORD })), 'config_conflict');

  const reachable = LIST.messages.filter((e) => e.npm !== false).map((e) => e.id).sort();
  assert.deepEqual([...checked].sort(), reachable, 'every message the package can give is checked');
});
