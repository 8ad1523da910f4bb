'use strict';
// Sessions through the package: after `agent secret unlock` (the CLI),
// openVault, loadEnv and resolve need no password; without a usable
// session (none, turned off, a killed agent, a socket others can open, a
// rotated vault) they use the password. Each test has its own
// XDG_RUNTIME_DIR and ends its agents.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const secrets = require('..');
const { spawnSync } = require('node:child_process');

const { PACKAGE, PASSWORD, agent, auditLines, cleanEnv, cliVault, tempDir } = require('./helpers.js');

const VALUE = 'sk-fake-session-npm-0001';

/** A CLI vault with one secret, a runtime folder, and the env the package sees. */
function sessionVault(t) {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  const runtime = tempDir(t, 'agent-secrets-run-');
  fs.chmodSync(runtime, 0o700);
  const env = { XDG_RUNTIME_DIR: runtime };
  t.after(() => agent(['secret', 'lock', '--all'], { env }));
  return { dir, runtime, env, processEnv: { XDG_RUNTIME_DIR: runtime } };
}

function unlock(v, args = []) {
  const r = agent(['--dir', v.dir, 'secret', 'unlock', ...args], { env: v.env });
  assert.equal(r.code, 0, r.stderr);
  const status = JSON.parse(agent(['--dir', v.dir, 'secret', 'status', '--json'], { env: v.env }).stdout);
  assert.equal(status.session.state, 'unlocked');
  return status.session.pid;
}

function socketOf(v) {
  const folder = path.join(v.runtime, 'agent-secrets');
  const names = fs.readdirSync(folder).filter((n) => n.endsWith('.sock'));
  assert.equal(names.length, 1);
  return path.join(folder, names[0]);
}

/** Warnings emitted while `f` runs. */
async function warningsOf(f) {
  const seen = [];
  const on = (w) => { if (w.name === 'AgentSecretsWarning') seen.push(w.message); };
  process.on('warning', on);
  try {
    return { result: await f(), warnings: seen };
  } finally {
    // Warnings are emitted on the next tick.
    await new Promise((done) => setImmediate(done));
    process.off('warning', on);
  }
}

async function waitGone(pid) {
  for (let i = 0; i < 250; i += 1) {
    let state;
    try {
      state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop().trim()[0];
    } catch {
      return;
    }
    if (state === 'Z' || state === 'X') return;
    await new Promise((done) => setTimeout(done, 20));
  }
  assert.fail(`agent ${pid} still runs`);
}

test('after agent secret unlock, openVault, loadEnv and resolve need no password', async (t) => {
  const v = sessionVault(t);
  // No session, no password: refused as before.
  await assert.rejects(secrets.openVault({ dir: v.dir, processEnv: v.processEnv }),
    { code: 'INVALID_INPUT' });
  unlock(v);
  const vault = await secrets.openVault({ dir: v.dir, processEnv: v.processEnv });
  assert.equal(vault.get('openai', 'api_key'), VALUE);
  vault.close();
  const last = auditLines(v.dir).at(-1);
  assert.equal(last.operation, 'get');
  assert.equal(last.source, 'node');
  assert.equal(last.auth, 'session');
  assert.equal(typeof last.mac, 'string');
  const target = { ...v.processEnv };
  const loaded = await secrets.loadEnv({ dir: v.dir, processEnv: target });
  assert.deepEqual(loaded.loaded, ['OPENAI_API_KEY']);
  assert.equal(target.OPENAI_API_KEY, VALUE);
  const r = await secrets.resolve('openai', 'api_key', { dir: v.dir, processEnv: v.processEnv });
  assert.deepEqual(r, { value: VALUE, source: 'vault' });
  // The chain and the MACs of the package's session lines verify.
  const verify = agent(['--dir', v.dir, 'secret', 'audit', '--verify', '--json'], { env: v.env });
  assert.equal(verify.code, 0, verify.stderr);
  assert.equal(JSON.parse(verify.stdout).macs_checked, true);
});

test('session: false and AGENT_SECRETS_NO_SESSION use the password', async (t) => {
  const v = sessionVault(t);
  unlock(v);
  await assert.rejects(secrets.openVault({ dir: v.dir, processEnv: v.processEnv, session: false }),
    { code: 'INVALID_INPUT' });
  await assert.rejects(secrets.openVault({
    dir: v.dir, processEnv: { ...v.processEnv, AGENT_SECRETS_NO_SESSION: '1' },
  }), { code: 'INVALID_INPUT' });
  await assert.rejects(secrets.openVault({ dir: v.dir, processEnv: v.processEnv, session: 'no' }),
    { code: 'INVALID_INPUT' });
  const vault = await secrets.openVault({
    dir: v.dir, password: PASSWORD, processEnv: v.processEnv, session: false,
  });
  assert.equal(vault.get('openai', 'api_key'), VALUE);
  vault.close();
  assert.equal(auditLines(v.dir).at(-1).auth, undefined);
});

test('a killed agent: the password is used and its socket removed; lock ends the session', async (t) => {
  const v = sessionVault(t);
  const pid = unlock(v);
  const socket = socketOf(v);
  process.kill(pid, 'SIGKILL');
  await waitGone(pid);
  assert.ok(fs.existsSync(socket));
  const { result, warnings } = await warningsOf(() => secrets.openVault({
    dir: v.dir, password: PASSWORD, processEnv: v.processEnv,
  }));
  assert.equal(result.get('openai', 'api_key'), VALUE);
  result.close();
  assert.deepEqual(warnings, []);
  assert.ok(!fs.existsSync(socket), 'the dead socket was removed');
  // lock: the next open needs the password again.
  unlock(v);
  assert.equal(agent(['--dir', v.dir, 'secret', 'lock'], { env: v.env }).code, 0);
  await assert.rejects(secrets.openVault({ dir: v.dir, processEnv: v.processEnv }),
    { code: 'INVALID_INPUT' });
});

test('a socket others can open, or a rotated vault, falls back to the password with a warning', async (t) => {
  const v = sessionVault(t);
  unlock(v);
  const socket = socketOf(v);
  fs.chmodSync(socket, 0o666);
  let { result, warnings } = await warningsOf(() => secrets.openVault({
    dir: v.dir, password: PASSWORD, processEnv: v.processEnv,
  }));
  result.close();
  assert.equal(auditLines(v.dir).at(-1)?.auth, undefined);
  assert.ok(warnings.some((w) => w.includes('mode 0666') && w.includes('chmod 600')), warnings.join('\n'));
  fs.chmodSync(socket, 0o600);
  // Rotated where the session cannot be seen: its key is another vault key's.
  const elsewhere = tempDir(t);
  assert.equal(agent(['--dir', v.dir, 'secret', 'rotate'], { env: { XDG_RUNTIME_DIR: elsewhere } }).code, 0);
  ({ result, warnings } = await warningsOf(() => secrets.openVault({
    dir: v.dir, password: PASSWORD, processEnv: v.processEnv,
  })));
  assert.equal(result.get('openai', 'api_key'), VALUE);
  result.close();
  assert.ok(warnings.some((w) => w.includes('the session holds another key of this vault')),
    warnings.join('\n'));
  await assert.rejects(secrets.openVault({ dir: v.dir, processEnv: v.processEnv }),
    { code: 'INVALID_INPUT' });
});

test('a fresh process opens with the session and gets without loading WebCrypto', (t) => {
  // Nothing on this path needs it (no KDF; the lock's nonce comes from the
  // lock object), and loading it costs about 1.5 ms of a cold start
  // (docs/adr/0012).
  const v = sessionVault(t);
  unlock(v);
  const script = `
    const secrets = require(${JSON.stringify(PACKAGE)});
    const before = new Set(process.moduleLoadList);
    (async () => {
      const vault = await secrets.openVault({ dir: process.argv[1] });
      const value = vault.get('openai', 'api_key');
      vault.close();
      const loaded = process.moduleLoadList.filter((m) => !before.has(m));
      const readable = process.moduleLoadList.includes('NativeModule fs');
      // Only a digest of the value leaves the child (measured after the list).
      const digest = require('node:crypto').createHash('sha256').update(value).digest('hex');
      process.stdout.write(JSON.stringify({ digest, readable, loaded }));
    })();`;
  const r = spawnSync(process.execPath, ['-e', script, v.dir],
    { env: cleanEnv(v.processEnv), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.digest, require('node:crypto').createHash('sha256').update(VALUE).digest('hex'));
  assert.equal(out.readable, true, 'process.moduleLoadList lists the modules loaded');
  assert.deepEqual(out.loaded.filter((m) => m.includes('crypto')), []);
  assert.equal(auditLines(v.dir).at(-1).auth, 'session');
});
