'use strict';
// The lock protocol and atomic writes of docs/format.md §12-13, as the
// package follows them against the CLI. The protocol's cases themselves
// (stale, live, refused, the guard, the timeout grammar) are the shared
// suite of tests/lock/, in ./lock-suite.test.js.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const secrets = require('..');
const { FileStore } = require('../lib/fs-store.js');
const { PASSWORD, agent, cliVault, tempDir } = require('./helpers.js');

const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const lockOf = (holder) => `${JSON.stringify(holder)}\n`;

test('the lock file: exclusive, 0600, one JSON line naming the holder; released after', (t) => {
  const dir = path.join(tempDir(t), 'v');
  const store = new FileStore(dir, { lockTimeoutMs: 50 });
  store.lock();
  const file = path.join(dir, '.lock');
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n') && text.indexOf('\n') === text.length - 1, 'one line');
  const holder = JSON.parse(text);
  assert.deepEqual(Object.keys(holder), ['pid', 'host', 'created_at', 'nonce', 'tool']);
  assert.equal(holder.pid, process.pid);
  assert.equal(holder.host, os.hostname());
  assert.match(holder.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(holder.nonce, /^[0-9a-f]{16}$/);
  assert.equal(holder.tool, 'node');
  // The CLI waits for it and gives up with the busy error.
  const r = agent(['--dir', dir, 'secret', 'init', '--iterations', '100000'], { env: { AGENT_SECRETS_LOCK_TIMEOUT_MS: '30' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is held by pid \d+ on .* \(node\)\. If no agent process is running, remove it\./);
  store.unlock();
  assert.ok(!fs.existsSync(file));
});

test('the holder line\'s nonce comes from the lock object when it has one, else from getRandomValues', (t) => {
  const dir = path.join(tempDir(t), 'v');
  const nonceOf = (store) => {
    store.lock();
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, '.lock'), 'utf8')).nonce;
    } finally {
      store.unlock();
    }
  };
  const store = new FileStore(dir, { lockTimeoutMs: 50 });
  // The package's own: /dev/urandom, fresh each time.
  const a = nonceOf(store);
  const b = nonceOf(store);
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.notEqual(a, b);
  // An object's bytes are used as they are.
  store.lockIo.nonce = () => Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 0xff]);
  assert.equal(nonceOf(store), '01020304050607ff');
  // One that throws, or gives anything but 8 bytes: the system's generator.
  for (const bad of [() => { throw new Error('no generator'); }, () => new Uint8Array(7),
    () => 'not bytes', () => undefined]) {
    store.lockIo.nonce = bad;
    const n = nonceOf(store);
    assert.match(n, /^[0-9a-f]{16}$/);
    assert.notEqual(n, '01020304050607ff');
  }
  // An object without the method (the dashboard's): the same.
  store.lockIo.nonce = undefined;
  assert.match(nonceOf(store), /^[0-9a-f]{16}$/);
});

test('release leaves a lock that is not ours', (t) => {
  const dir = tempDir(t);
  const store = new FileStore(dir, { lockTimeoutMs: 50 });
  store.lock();
  fs.writeFileSync(path.join(dir, '.lock'), 'someone else');
  store.unlock();
  assert.equal(fs.readFileSync(path.join(dir, '.lock'), 'utf8'), 'someone else');
});

test('stale locks are broken: dead holder on this host, older than 600 s, unparseable and older than 10 s', async (t) => {
  const dir = cliVault(t);
  const vault = await secrets.openVault({ dir, password: PASSWORD, lockTimeoutMs: 2_000 });
  t.after(() => vault.close());
  const file = path.join(dir, '.lock');
  const old = (seconds) => {
    const at = new Date(Date.now() - seconds * 1000);
    fs.utimesSync(file, at, at);
  };
  // A pid above Linux's pid_max ceiling cannot exist.
  fs.writeFileSync(file, lockOf({ pid: 4_194_304 + 7, host: os.hostname(), created_at: rfc3339(Date.now()), nonce: '00', tool: 'cli' }));
  assert.equal(vault.set('openai', 'api_key', 'sk-fake-1'), 'created');
  fs.writeFileSync(file, lockOf({ pid: 1, host: 'another-host', created_at: rfc3339(Date.now() - 601_000), nonce: '00', tool: 'ui' }));
  assert.equal(vault.set('openai', 'api_key', 'sk-fake-2'), 'updated');
  fs.writeFileSync(file, 'not json');
  old(11);
  assert.equal(vault.set('openai', 'api_key', 'sk-fake-3'), 'updated');
  // A breaker that died left .lock.break: older than 10 s, it is cleared too.
  fs.writeFileSync(file, lockOf({ pid: 4_194_304 + 7, host: os.hostname(), created_at: rfc3339(Date.now()), nonce: '00', tool: 'cli' }));
  fs.writeFileSync(path.join(dir, '.lock.break'), '');
  const at = new Date(Date.now() - 11_000);
  fs.utimesSync(path.join(dir, '.lock.break'), at, at);
  assert.equal(vault.set('openai', 'api_key', 'sk-fake-4'), 'updated');
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('.lock')), []);
  assert.equal(vault.get('openai', 'api_key'), 'sk-fake-4');
});

test('a young foreign lock, or a young unparseable one, is waited for', async (t) => {
  const dir = cliVault(t);
  const vault = await secrets.openVault({ dir, password: PASSWORD, lockTimeoutMs: 40 });
  t.after(() => vault.close());
  const file = path.join(dir, '.lock');
  fs.writeFileSync(file, lockOf({ pid: 1, host: 'another-host', created_at: rfc3339(Date.now()), nonce: '00', tool: 'ui' }));
  assert.throws(() => vault.set('openai', 'api_key', 'sk-fake'), { code: 'IO', message: /held by pid 1 on another-host/ });
  fs.writeFileSync(file, '');
  assert.throws(() => vault.set('openai', 'api_key', 'sk-fake'), {
    code: 'IO', message: `The vault is busy: ${dir}/.lock exists and is not a lock this version understands. If no agent process is running, remove it.`,
  });
  assert.ok(!fs.existsSync(path.join(dir, 'openai.json')));
});

test('atomic replace: 0600 files, left-over temp files swept under the lock, a failed write leaves the document', async (t) => {
  const dir = cliVault(t);
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  t.after(() => vault.close());
  fs.writeFileSync(path.join(dir, '.agent-tmp-0011223344556677'), 'half');
  // A user's file that merely looks temporary is never swept.
  fs.writeFileSync(path.join(dir, 'notes.tmp.txt'), 'mine', { mode: 0o600 });
  vault.set('openai', 'api_key', 'sk-fake-atomic');
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('tmp')), ['notes.tmp.txt']);
  assert.equal(fs.readFileSync(path.join(dir, 'notes.tmp.txt'), 'utf8'), 'mine');
  fs.rmSync(path.join(dir, 'notes.tmp.txt'));
  for (const name of fs.readdirSync(dir)) assert.equal(fs.statSync(path.join(dir, name)).mode & 0o777, 0o600, name);
  // A write that cannot rename (a folder in the way) removes its temp file and changes nothing.
  fs.mkdirSync(path.join(dir, 'stripe.json.d'));
  const store = new FileStore(dir, { lockTimeoutMs: 50 });
  store.lock();
  assert.throws(() => store.write('stripe.json.d', Buffer.from('{}')), { location: `${dir}/` });
  store.unlock();
  assert.ok(fs.statSync(path.join(dir, 'stripe.json.d')).isDirectory());
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('.agent-tmp-')), []);
});

test('state.json is written without the two fsyncs (docs/format.md §14), every other document with them', async (t) => {
  const dir = cliVault(t);
  // Which FileStore write the core picks for each document, over a wrong
  // and a right password and a set.
  const picked = [];
  for (const method of ['write', 'writeUnsynced']) {
    const original = FileStore.prototype[method];
    t.after(() => { FileStore.prototype[method] = original; });
    FileStore.prototype[method] = function spy(name, bytes) {
      picked.push(`${method} ${name}`);
      return original.call(this, name, bytes);
    };
  }
  await assert.rejects(secrets.openVault({ dir, password: 'Wrong-Fake-Passw0rd' }), { code: 'WRONG_PASSWORD' });
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  vault.set('openai', 'api_key', 'sk-fake-unsynced');
  vault.close();
  const state = 'writeUnsynced state.json';
  assert.deepEqual(picked, [state, state, state, state, 'write openai.json']);
  const counts = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  assert.equal(counts.failed_attempts, 0);
  assert.equal(typeof counts.last_failure_at, 'string');

  // And what each does on disk: the same atomic replace (0600, no temp
  // file left), fsync of the file and of the folder only for `write`.
  const synced = [];
  const fsync = fs.fsyncSync;
  t.after(() => { fs.fsyncSync = fsync; });
  fs.fsyncSync = (fd) => { synced.push(fd); return fsync(fd); };
  const store = new FileStore(dir, { lockTimeoutMs: 50 });
  store.lock();
  store.writeUnsynced('state.json', Buffer.from('{"unsynced":1}'));
  assert.equal(synced.length, 0);
  store.write('state.json', Buffer.from('{"synced":1}'));
  assert.equal(synced.length, 2);
  store.writeUnsynced('state.json', Buffer.from('{"unsynced":2}'));
  store.unlock();
  assert.equal(synced.length, 2);
  assert.equal(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'), '{"unsynced":2}');
  assert.equal(fs.statSync(path.join(dir, 'state.json')).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('.agent-tmp-')), []);
});

test('a umask that takes the owner\'s own bits: the folder gets exactly 0700 back', (t) => {
  const dir = path.join(tempDir(t), 'a', 'b', 'secrets');
  const previous = process.umask(0o277);
  t.after(() => process.umask(previous));
  const store = new FileStore(dir, { lockTimeoutMs: 50 });
  store.lock();
  store.unlock();
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  process.umask(0o022);
  const loose = path.join(tempDir(t), 'secrets');
  new FileStore(loose, { lockTimeoutMs: 50 }).ensureDir();
  assert.equal(fs.statSync(loose).mode & 0o777, 0o700, 'never more than 0700');
});
