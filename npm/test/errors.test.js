'use strict';
// Every error code with its message (the CLI's own words, checked against
// the CLI on the same folder), and the vault unchanged afterwards.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const secrets = require('..');
const { PASSWORD, agent, cliVault, tempDir, snapshot } = require('./helpers.js');

const VALUE = 'sk-fake-errors-0123456789';
const WRONG = 'Wrong-Fake-Passw0rd';

/** The message the CLI prints for the same failure (its `error: ` line). */
function cliError(args, options) {
  const r = agent(args, options);
  const line = r.stderr.split('\n').find((l) => l.startsWith('error: '));
  return { code: r.code, message: line === undefined ? undefined : line.slice('error: '.length) };
}

/** Asserts the thrown error: an AgentSecretsError with this code and message, no value in it. */
function isError(code, message) {
  return (e) => {
    assert.ok(e instanceof secrets.AgentSecretsError, `an AgentSecretsError, got ${e}`);
    assert.equal(e.name, 'AgentSecretsError');
    assert.equal(e.code, code);
    if (message instanceof RegExp) assert.match(e.message, message);
    else assert.equal(e.message, message);
    for (const secret of [VALUE, PASSWORD, WRONG]) {
      assert.ok(!e.message.includes(secret) && !String(e.stack).includes(secret), 'no secret in the error');
    }
    return true;
  };
}

test('WRONG_PASSWORD: counted toward the lockout, nothing else changes', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  const before = snapshot(dir, { except: ['audit.log', 'state.json'] });
  await assert.rejects(secrets.openVault({ dir, password: WRONG }),
    isError('WRONG_PASSWORD', 'Incorrect password. 4 attempts remaining.'));
  // The CLI sees the count the package wrote to state.json.
  assert.deepEqual(cliError(['--dir', dir, 'secret', 'get', 'openai', 'api_key'], { password: WRONG }),
    { code: 4, message: 'Incorrect password. 3 attempts remaining.' });
  assert.deepEqual(snapshot(dir, { except: ['audit.log', 'state.json'] }), before);
  // A right password resets the count.
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  vault.close();
  await assert.rejects(secrets.openVault({ dir, password: WRONG }),
    isError('WRONG_PASSWORD', 'Incorrect password. 4 attempts remaining.'));
});

test('LOCKED: after 5 wrong passwords no password is tried, not even the right one', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  for (let left = 4; left >= 1; left--) {
    const tail = left === 1 ? '1 attempt remaining.' : `${left} attempts remaining.`;
    await assert.rejects(secrets.openVault({ dir, password: WRONG }),
      isError('WRONG_PASSWORD', `Incorrect password. ${tail}`));
  }
  await assert.rejects(secrets.openVault({ dir, password: WRONG }),
    isError('WRONG_PASSWORD', 'Incorrect password. Too many failed attempts. Try again in 30 s.'));
  const state = fs.readFileSync(path.join(dir, 'state.json'));
  await assert.rejects(secrets.openVault({ dir, password: PASSWORD }),
    isError('LOCKED', /^Too many failed attempts\. Try again in (30|29) s\.$/));
  assert.deepEqual(fs.readFileSync(path.join(dir, 'state.json')), state, 'a refused attempt is not counted');
  const cli = cliError(['--dir', dir, 'secret', 'get', 'openai', 'api_key']);
  assert.equal(cli.code, 5);
  assert.match(cli.message, /^Too many failed attempts\. Try again in (30|29) s\.$/);
});

test('NOT_FOUND: missing key and missing service, as the CLI says them', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  t.after(() => vault.close());
  const before = snapshot(dir, { except: ['audit.log'] });
  assert.throws(() => vault.get('openai', 'org_id'),
    isError('NOT_FOUND', "Secret 'org_id' not found in service 'openai'."));
  assert.throws(() => vault.get('stripe', 'secret_key'),
    isError('NOT_FOUND', "Service 'stripe' not configured."));
  assert.throws(() => vault.delete('openai', 'org_id'),
    isError('NOT_FOUND', "Secret 'org_id' not found in service 'openai'."));
  assert.throws(() => vault.list('stripe'), isError('NOT_FOUND', "Service 'stripe' not configured."));
  assert.deepEqual(cliError(['--dir', dir, 'secret', 'delete', 'openai', 'org_id']),
    { code: 3, message: "Secret 'org_id' not found in service 'openai'." });
  assert.deepEqual(snapshot(dir, { except: ['audit.log'] }), before);
});

test('INTEGRITY: a tampered ciphertext, a newer format version', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE], ['anthropic', 'api_key', 'sk-ant-fake']]);
  const file = path.join(dir, 'openai.json');
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  const ct = Buffer.from(doc.secrets.api_key.ciphertext, 'base64');
  ct[0] ^= 1;
  doc.secrets.api_key.ciphertext = ct.toString('base64');
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  const before = snapshot(dir, { except: ['audit.log'] });
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  const message = "openai.json: ciphertext of 'api_key' failed its integrity check (tampered or corrupt); other services are unaffected.";
  assert.throws(() => vault.get('openai', 'api_key'), isError('INTEGRITY', message));
  assert.equal(vault.get('anthropic', 'api_key'), 'sk-ant-fake', 'other services are unaffected');
  vault.close();
  assert.deepEqual(cliError(['--dir', dir, 'secret', 'get', 'openai', 'api_key', '--show']), { code: 6, message });
  assert.deepEqual(snapshot(dir, { except: ['audit.log'] }), before);

  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('"version": 1', '"version": 2'));
  const newer = 'config.json was written by a newer version of agent secrets (format version 2; this build reads version 1). Upgrade agent secrets; nothing was changed.';
  const unchanged = snapshot(dir, { except: ['audit.log'] });
  await assert.rejects(secrets.openVault({ dir, password: PASSWORD }), isError('INTEGRITY', newer));
  assert.deepEqual(cliError(['--dir', dir, 'secret', 'get', 'openai', 'api_key']), { code: 6, message: newer });
  assert.deepEqual(snapshot(dir, { except: ['audit.log'] }), unchanged);
});

test('NOT_INITIALIZED: a missing folder stays missing', async (t) => {
  const dir = path.join(tempDir(t), 'nowhere', 'secrets');
  const message = 'Vault not initialized. Run `agent secret init` to create it.';
  await assert.rejects(secrets.openVault({ dir, password: PASSWORD }), isError('NOT_INITIALIZED', message));
  await assert.rejects(secrets.loadEnv({ dir, password: PASSWORD, processEnv: {} }), isError('NOT_INITIALIZED', message));
  assert.throws(() => secrets.list(undefined, { dir }), isError('NOT_INITIALIZED', message));
  assert.deepEqual(cliError(['--dir', dir, 'secret', 'get', 'openai', 'api_key']), { code: 7, message });
  assert.ok(!fs.existsSync(path.dirname(dir)), 'nothing was created');
});

test('INVALID_NAME: bad service and key names, before any file is touched', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  t.after(() => vault.close());
  const before = snapshot(dir);
  const service = /^Invalid service name \([^)]*\)\. A service name is 1 to 64 characters/;
  const key = /^Invalid key name \([^)]*\)\. A key name is 1 to 128 characters/;
  assert.throws(() => vault.get('../etc', 'api_key'), isError('INVALID_NAME', service));
  assert.throws(() => vault.set('config', 'api_key', VALUE), isError('INVALID_NAME', service));
  assert.throws(() => vault.set('openai', 'bad key', VALUE), isError('INVALID_NAME', key));
  assert.throws(() => vault.set('openai', VALUE.replace(/-/g, ' '), VALUE), isError('INVALID_NAME', key));
  assert.throws(() => vault.delete('openai', 'a/b'), isError('INVALID_NAME', key));
  assert.throws(() => vault.get(42, 'api_key'), isError('INVALID_NAME', 'Invalid service name (not a string).'));
  assert.throws(() => vault.set('openai', null, VALUE), isError('INVALID_NAME', 'Invalid key name (not a string).'));
  const cli = cliError(['--dir', dir, 'secret', 'get', '../etc', 'api_key']);
  assert.equal(cli.code, 2);
  assert.throws(() => vault.get('../etc', 'api_key'), isError('INVALID_NAME', cli.message));
  assert.deepEqual(snapshot(dir), before, 'not even an audit line');
});

test('INVALID_INPUT: a password or a value that is not a string', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  const before = snapshot(dir);
  for (const password of [12345, null, Buffer.from(PASSWORD), { toString: () => PASSWORD }]) {
    await assert.rejects(secrets.openVault({ dir, password }),
      isError('INVALID_INPUT', 'The password must be a string.'));
  }
  await assert.rejects(secrets.openVault({ dir, password: '' }), isError('INVALID_INPUT', 'The password is empty.'));
  await assert.rejects(secrets.openVault({ dir, processEnv: {} }),
    isError('INVALID_INPUT', 'No master password: pass { password } or set AGENT_SECRETS_PASSWORD.'));
  assert.deepEqual(snapshot(dir), before, 'no attempt was counted');

  const vault = await secrets.openVault({ dir, password: PASSWORD });
  t.after(() => vault.close());
  const opened = snapshot(dir);
  for (const value of [42, undefined, null, Buffer.from('x'), ['x'], { value: 'x' }]) {
    assert.throws(() => vault.set('openai', 'api_key', value), isError('INVALID_INPUT', 'The value must be a string.'));
  }
  assert.deepEqual(snapshot(dir), opened);
  assert.equal(vault.get('openai', 'api_key'), VALUE);
});

test('IO: a busy lock, an unreadable document', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  const vault = await secrets.openVault({ dir, password: PASSWORD, lockTimeoutMs: 30 });
  t.after(() => vault.close());
  // A live holder (this very process) on this host: the lock is respected.
  const holder = { pid: process.pid, host: os.hostname(), created_at: '2026-11-28T12:00:00Z', nonce: '0123456789abcdef', tool: 'cli' };
  holder.created_at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  fs.writeFileSync(path.join(dir, '.lock'), `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  const before = snapshot(dir);
  const busy = `The vault is busy: ${dir}/.lock is held by pid ${process.pid} on ${os.hostname()} since ${holder.created_at} (cli). If no agent process is running, remove it.`;
  assert.throws(() => vault.set('openai', 'api_key', 'sk-fake-new'), isError('IO', busy));
  assert.deepEqual(cliError(['--dir', dir, 'secret', 'set', 'openai', 'api_key', '--value-stdin'],
    { input: 'sk-fake-new', env: { AGENT_SECRETS_LOCK_TIMEOUT_MS: '30' } }), { code: 1, message: busy });
  assert.deepEqual(snapshot(dir), before, 'nothing written while the lock is held');
  fs.rmSync(path.join(dir, '.lock'));

  fs.mkdirSync(path.join(dir, 'stripe.json'));
  // The core's refusal, word for word the same from the package and the CLI.
  const unreadable = `${dir}/stripe.json is a folder, not a regular file; it was not opened for reading or writing. ` +
    `Fix: remove it (\`rm ${dir}/stripe.json\`) or move it out of the folder; restore the file from a backup if it held one.`;
  assert.throws(() => vault.get('stripe', 'secret_key'), isError('IO', unreadable));
  assert.deepEqual(cliError(['--dir', dir, 'secret', 'get', 'stripe', 'secret_key']), { code: 1, message: unreadable });
});
