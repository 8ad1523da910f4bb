'use strict';
// The write lock's shared suite (tests/lock/, see its README) on the
// package's primitives (lib/lock.js) and real files: the same scenarios
// and the same timeout grammar the core runs on a fake and the CLI on its
// own primitives. The protocol under test is the core's, through wasm; a
// rule changed there changes what every runner sees.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const secrets = require('..');
const { FileStore, lockTimeoutFromEnv } = require('../lib/fs-store.js');
const { tempDir } = require('./helpers.js');

const SUITE = path.join(__dirname, '..', '..', 'tests', 'lock');
/** A pid no process can have: above Linux's ceiling of 2^22. */
const DEAD = 4_194_311;

const rfc3339 = (seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The placeholders of the README for one folder at one moment. */
function placesFor(dir) {
  return { pid: process.pid, host: os.hostname(), now: Math.floor(Date.now() / 1000), shown: `${dir}/.lock` };
}

function fill(p, text) {
  return text
    .replaceAll('$lock', p.shown)
    .replaceAll('$dead', String(DEAD))
    .replaceAll('$live', String(p.pid))
    .replaceAll('$host', p.host)
    .replace(/\$now-(\d+)/g, (_, ago) => rfc3339(p.now - Number(ago)))
    .replaceAll('$now', rfc3339(p.now));
}

function filled(p, value) {
  if (value === '$dead') return DEAD;
  if (value === '$live') return p.pid;
  if (typeof value === 'string') return fill(p, value);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, filled(p, v)]));
  }
  return value;
}

/** Puts what `spec` says at `file`. */
function plant(p, dir, file, spec) {
  if (spec.holder !== undefined || spec.text !== undefined || spec.kind === 'file') {
    const bytes = spec.holder !== undefined ? `${JSON.stringify(filled(p, spec.holder))}\n`
      : spec.text !== undefined ? fill(p, spec.text) : '';
    fs.writeFileSync(file, bytes);
    fs.chmodSync(file, spec.mode === undefined ? 0o600 : parseInt(spec.mode, 8));
    const at = new Date(Date.now() - (spec.age_s || 0) * 1000);
    fs.utimesSync(file, at, at);
  } else if (spec.kind === 'folder') {
    fs.mkdirSync(file);
  } else if (spec.kind === 'fifo') {
    assert.equal(spawnSync('mkfifo', [file]).status, 0, 'mkfifo');
  } else if (spec.kind === 'symlink') {
    fs.symlinkSync(path.join(dir, 'elsewhere'), file);
  } else {
    assert.fail(`kind ${spec.kind}`);
  }
}

/** What is at `file`: { kind, bytes? } or null. */
function found(dir, file) {
  let st;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
  if (st.isSymbolicLink()) {
    assert.ok(!fs.existsSync(path.join(dir, 'elsewhere')), 'nothing created through the link');
    return { kind: 'symlink' };
  }
  if (st.isDirectory()) return { kind: 'folder' };
  if (st.isFile()) return { kind: 'file', bytes: fs.readFileSync(file).toString('base64') };
  return { kind: 'fifo' };
}

const names = fs.readdirSync(path.join(SUITE, 'scenarios')).sort();

test('the suite is there and holds only scenarios', () => {
  assert.ok(names.length >= 20, names.join(', '));
  for (const name of names) assert.match(name, /\.json$/);
});

for (const name of names) {
  test(`scenario ${name}`, (t) => {
    const scenario = JSON.parse(fs.readFileSync(path.join(SUITE, 'scenarios', name), 'utf8'));
    const dir = path.join(tempDir(t), 'v');
    fs.mkdirSync(dir, { mode: 0o700 });
    const p = placesFor(dir);
    const lockFile = path.join(dir, '.lock');
    const guardFile = path.join(dir, '.lock.break');
    if (scenario.lock !== null) plant(p, dir, lockFile, scenario.lock);
    if (scenario.guard !== null) plant(p, dir, guardFile, scenario.guard);
    const before = { lock: found(dir, lockFile), guard: found(dir, guardFile) };
    const { expect } = scenario;

    const inspected = new FileStore(dir, { lockTimeoutMs: 0 }).inspectLock();
    const want = expect.inspect.state === 'free' ? { state: 'free' }
      : { state: expect.inspect.state, detail: fill(p, expect.inspect.detail) };
    assert.deepEqual({ ...inspected }, want, 'inspect');
    assert.deepEqual({ lock: found(dir, lockFile), guard: found(dir, guardFile) }, before, 'looking changed nothing');

    const store = new FileStore(dir, { lockTimeoutMs: scenario.timeout_ms });
    const { outcome, detail } = expect.acquire;
    if (outcome === 'acquired') {
      store.lock();
    } else {
      assert.throws(() => store.lock(), (e) => {
        assert.equal(e.busy === true, outcome === 'busy', `busy: ${e.message}`);
        assert.equal(e.refused === true, outcome === 'refused', `refused: ${e.message}`);
        assert.equal(e.message, fill(p, detail));
        return true;
      });
    }

    for (const [key, file] of [['lock', lockFile], ['guard', guardFile]]) {
      const now = found(dir, file);
      const left = expect.left[key];
      if (left === 'ours') {
        assert.equal(now && now.kind, 'file', `${key} is ours`);
        const holder = JSON.parse(Buffer.from(now.bytes, 'base64').toString('utf8'));
        assert.deepEqual([holder.pid, holder.host, holder.tool], [p.pid, p.host, 'node']);
      } else if (left === 'kept') {
        assert.deepEqual(now, before[key], `${key} kept`);
      } else if (left === 'absent') {
        assert.equal(now, null, `${key} absent`);
      } else {
        assert.fail(`left ${key} ${left}`);
      }
    }
    if (outcome === 'acquired') {
      store.unlock();
      assert.equal(found(dir, lockFile), null, 'released');
    }
  });
}

test('the shared timeout grammar, as the package reads AGENT_SECRETS_LOCK_TIMEOUT_MS', () => {
  const { cases } = JSON.parse(fs.readFileSync(path.join(SUITE, 'timeout-grammar.json'), 'utf8'));
  assert.ok(cases.length > 10);
  for (const c of cases) {
    const env = c.value === null ? {} : { AGENT_SECRETS_LOCK_TIMEOUT_MS: c.value };
    if (c.error !== undefined) {
      assert.throws(() => lockTimeoutFromEnv(env),
        { name: 'AgentSecretsError', code: 'INVALID_INPUT', message: c.error }, JSON.stringify(c));
    } else {
      // Unset: undefined here, the core's default when the store needs it.
      const ms = new FileStore('unused', { lockTimeoutMs: lockTimeoutFromEnv(env) }).lockTimeoutMs();
      assert.equal(ms, c.ms, JSON.stringify(c));
    }
  }
});

test('a mistyped AGENT_SECRETS_LOCK_TIMEOUT_MS is a usage error of the API, not the default', async (t) => {
  const dir = path.join(tempDir(t), 'v');
  const processEnv = { AGENT_SECRETS_LOCK_TIMEOUT_MS: '+5' };
  assert.throws(() => secrets.status({ dir, processEnv }), { code: 'INVALID_INPUT', message: /^AGENT_SECRETS_LOCK_TIMEOUT_MS must be/ });
  await assert.rejects(secrets.openVault({ dir, processEnv, password: 'unused-Fake-1' }), { code: 'INVALID_INPUT' });
  assert.ok(!fs.existsSync(dir), 'nothing was created');
});
