'use strict';
// The package and the CLI on the same folder, both ways: what one writes
// the other reads, with the same files, modes, lock and audit trail.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const secrets = require('..');
const { REPO, PASSWORD, agent, cliVault, tempDir, auditLines } = require('./helpers.js');

const mode = (p) => fs.statSync(p).mode & 0o777;

test('a vault the CLI wrote is read by the package', async (t) => {
  const dir = cliVault(t, [
    ['openai', 'api_key', 'sk-fake-cli-1'],
    ['supabase', 'anon_key', 'fake anon "key" with spaces # and ünïcode'],
  ]);
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  t.after(() => vault.close());
  assert.equal(vault.get('openai', 'api_key'), 'sk-fake-cli-1');
  assert.equal(vault.get('supabase', 'anon_key'), 'fake anon "key" with spaces # and ünïcode');
  const listing = vault.list();
  assert.deepEqual(
    listing.services.map((s) => [s.service, s.secrets.map((k) => k.key)]),
    [['openai', ['api_key']], ['supabase', ['anon_key']]],
  );
  assert.deepEqual(listing.problems, []);
  assert.ok(!JSON.stringify(listing).includes('sk-fake'), 'a listing holds no value');
});

test('a vault the package wrote is read by the CLI', async (t) => {
  const dir = cliVault(t);
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  assert.equal(vault.set('openai', 'api_key', 'sk-fake-node-1'), 'created');
  assert.equal(vault.set('openai', 'api_key', 'sk-fake-node-2'), 'updated');
  assert.equal(vault.set('my-app', 'DB_URL', 'postgres://fake:fake@localhost/x'), 'created');
  assert.equal(vault.set('my-app', 'TEMP', 'to be deleted'), 'created');
  vault.delete('my-app', 'TEMP');
  vault.close();

  let r = agent(['--dir', dir, 'secret', 'get', 'openai', 'api_key', '--show']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'sk-fake-node-2\n');
  r = agent(['--dir', dir, 'secret', 'get', 'my-app', 'DB_URL', '--show']);
  assert.equal(r.stdout, 'postgres://fake:fake@localhost/x\n');
  r = agent(['--dir', dir, 'secret', 'get', 'my-app', 'TEMP', '--show']);
  assert.equal(r.code, 3, 'deleted by the package: not found for the CLI');

  // Same rules on disk: folder 0700, every file 0600, no lock or temp file left.
  assert.equal(mode(dir), 0o700);
  for (const name of fs.readdirSync(dir)) {
    assert.equal(mode(path.join(dir, name)), 0o600, name);
    assert.ok(!name.startsWith('.agent-tmp-') && !name.startsWith('.lock'), name);
  }
});

test('the CLI deletes what the package set, and the package sees it gone', async (t) => {
  const dir = cliVault(t);
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  t.after(() => vault.close());
  vault.set('stripe', 'secret_key', 'sk_fake_stripe');
  const r = agent(['--dir', dir, 'secret', 'delete', 'stripe', 'secret_key']);
  assert.equal(r.code, 0, r.stderr);
  assert.throws(() => vault.get('stripe', 'secret_key'), {
    code: 'NOT_FOUND', message: "Service 'stripe' not configured.",
  });
  assert.ok(!fs.existsSync(path.join(dir, 'stripe.json')));
});

test('the vault-v1 fixture written by the native core opens', async (t) => {
  const dir = path.join(tempDir(t), 'v1');
  fs.cpSync(path.join(REPO, 'tests', 'data', 'vault-v1'), dir, { recursive: true });
  fs.rmSync(path.join(dir, 'README.md'));
  const vault = await secrets.openVault({ dir, password: 'Correct-Horse-Battery-9' });
  t.after(() => vault.close());
  const listing = vault.list();
  const count = listing.services.reduce((n, s) => n + s.secrets.length, 0);
  assert.ok(count >= 4, `the fixture's secrets are listed (${count})`);
  for (const s of listing.services) {
    for (const k of s.secrets) assert.equal(typeof vault.get(s.service, k.key), 'string');
  }
});

test('one audit line per operation, source node, chained with the CLI\'s', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', 'sk-fake-audit']]);
  const before = auditLines(dir).length;
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  vault.get('openai', 'api_key');
  vault.set('anthropic', 'api_key', 'sk-ant-fake');
  assert.throws(() => vault.get('openai', 'missing'), { code: 'NOT_FOUND' });
  vault.list();
  vault.delete('anthropic', 'api_key');
  assert.throws(() => vault.get('Bad Name', 'x'), { code: 'INVALID_NAME' }); // not recorded
  vault.close();
  await assert.rejects(secrets.openVault({ dir, password: 'Wrong-Fake-Passw0rd' }), { code: 'WRONG_PASSWORD' });
  agent(['--dir', dir, 'secret', 'list']);

  const lines = auditLines(dir);
  const ours = lines.slice(before, -1).map((l) => [l.operation, l.service, l.key, l.status, l.source]);
  assert.deepEqual(ours, [
    // A successful open writes no line of its own (one line per operation, as the CLI).
    ['get', 'openai', 'api_key', 'success', 'node'],
    ['set', 'anthropic', 'api_key', 'success', 'node'],
    ['get', 'openai', 'missing', 'not_found', 'node'],
    ['list', undefined, undefined, 'success', 'node'],
    ['delete', 'anthropic', 'api_key', 'success', 'node'],
    ['unlock', undefined, undefined, 'unauthorized', 'node'],
  ]);
  assert.equal(lines.at(-1).source, 'cli');
  // The chain: seq counts up and prev is the hash of the line before.
  const raw = fs.readFileSync(path.join(dir, 'audit.log'), 'utf8').split('\n').filter(Boolean);
  raw.forEach((line, i) => {
    const parsed = JSON.parse(line);
    assert.equal(parsed.seq, i + 1);
    const prev = i === 0 ? '0'.repeat(64) : crypto.createHash('sha256').update(raw[i - 1]).digest('hex');
    assert.equal(parsed.prev, prev, `line ${i + 1}`);
  });
  const log = fs.readFileSync(path.join(dir, 'audit.log'), 'utf8');
  for (const v of ['sk-fake-audit', 'sk-ant-fake', PASSWORD, 'Wrong-Fake-Passw0rd']) {
    assert.ok(!log.includes(v), 'no value or password in the audit log');
  }
});

test('the default folder: AGENT_SECRETS_DIR, else .agent/secrets under the current directory', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', 'sk-fake-env-dir']]);
  const vault = await secrets.openVault({
    processEnv: { AGENT_SECRETS_DIR: dir, AGENT_SECRETS_PASSWORD: PASSWORD },
  });
  assert.equal(vault.get('openai', 'api_key'), 'sk-fake-env-dir');
  assert.equal(vault.dir, dir);
  vault.close();
  assert.equal(secrets.defaultDir({}), path.join('.agent', 'secrets'));
  const cwd = tempDir(t);
  fs.mkdirSync(path.join(cwd, '.agent'));
  fs.cpSync(dir, path.join(cwd, '.agent', 'secrets'), { recursive: true });
  const previous = process.cwd();
  process.chdir(cwd);
  t.after(() => process.chdir(previous));
  const local = await secrets.openVault({ processEnv: { AGENT_SECRETS_PASSWORD: PASSWORD } });
  assert.equal(local.dir, path.join(fs.realpathSync(cwd), '.agent', 'secrets'));
  assert.equal(local.get('openai', 'api_key'), 'sk-fake-env-dir');
  local.close();
});

test('a closed vault refuses to work', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', 'sk-fake-closed']]);
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  vault.close();
  vault.close(); // twice is fine
  assert.throws(() => vault.get('openai', 'api_key'), {
    code: 'INVALID_INPUT', message: 'This vault is closed; open it again with openVault().',
  });
});

test('without crypto.subtle the core\'s own PBKDF2 opens the vault', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', 'sk-fake-fallback']]);
  const { execFileSync } = require('node:child_process');
  const { cleanEnv } = require('./helpers.js');
  const script = `
    Object.defineProperty(Object.getPrototypeOf(globalThis.crypto), 'subtle', { get: () => undefined });
    require(${JSON.stringify(path.resolve(__dirname, '..'))}).openVault({ dir: process.argv[1] })
      .then((v) => { console.log(v.get('openai', 'api_key') === 'sk-fake-fallback', globalThis.crypto.subtle); v.close(); });
  `;
  const out = execFileSync(process.execPath, ['-e', script, dir], {
    encoding: 'utf8', env: cleanEnv({ AGENT_SECRETS_PASSWORD: PASSWORD }),
  });
  assert.equal(out, 'true undefined\n');
});
