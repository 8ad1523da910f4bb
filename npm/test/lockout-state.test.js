'use strict';
// The lockout's state.json is the one document the core writes without
// waiting for the disk (its loss in a crash only resets what it counts), as
// the CLI does: the package's store does the same atomic replace without the
// two fsyncs, which cost milliseconds per write on a busy disk. Every other
// document is still written durably.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const secrets = require('..');
const { FileStore } = require('../lib/fs-store.js');
const { PASSWORD, cliVault } = require('./helpers.js');

/** Records which of the store's writes each document goes through while `f` runs. */
async function recordWrites(t, f) {
  const calls = [];
  const syncs = [];
  const { write, writeUnsynced } = FileStore.prototype;
  const { fsyncSync } = fs;
  FileStore.prototype.write = function (name, bytes) {
    calls.push(`write ${name}`);
    return write.call(this, name, bytes);
  };
  FileStore.prototype.writeUnsynced = function (name, bytes) {
    calls.push(`writeUnsynced ${name}`);
    return writeUnsynced.call(this, name, bytes);
  };
  fs.fsyncSync = (fd) => {
    syncs.push(fd);
    return fsyncSync(fd);
  };
  t.after(() => {
    FileStore.prototype.write = write;
    FileStore.prototype.writeUnsynced = writeUnsynced;
    fs.fsyncSync = fsyncSync;
  });
  try {
    await f();
  } finally {
    FileStore.prototype.write = write;
    FileStore.prototype.writeUnsynced = writeUnsynced;
    fs.fsyncSync = fsyncSync;
  }
  return { calls, syncs };
}

test('a password unlock writes state.json without fsync, twice (counted, then cleared)', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', 'sk-fake-state']]);
  const { calls, syncs } = await recordWrites(t, async () => {
    const v = await secrets.openVault({ dir, password: PASSWORD, session: false });
    v.close();
  });
  assert.deepEqual(calls, ['writeUnsynced state.json', 'writeUnsynced state.json']);
  assert.deepEqual(syncs, [], 'no fsync for the lockout state');
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  assert.equal(typeof state, 'object');
  // No temp file left behind by the unsynced replace.
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('.tmp')), []);
});

test('a value written is still written durably (fsync of the file and of the folder)', async (t) => {
  const dir = cliVault(t, []);
  const v = await secrets.openVault({ dir, password: PASSWORD, session: false });
  t.after(() => v.close());
  const { calls, syncs } = await recordWrites(t, async () => {
    v.set('openai', 'api_key', 'sk-fake-durable');
  });
  const documents = calls.filter((c) => !c.endsWith('state.json'));
  assert.ok(documents.length > 0 && documents.every((c) => c.startsWith('write ')), calls.join(', '));
  assert.ok(syncs.length >= 2 * documents.length, `${syncs.length} fsyncs for ${documents.length} writes`);
});
