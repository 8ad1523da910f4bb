'use strict';
// The vault folder as the store the wasm core reads and writes, with the
// same rules as the CLI's (native-cli/src/fs_store.rs, docs/format.md §13):
// folder 0700, every file created 0600 with exclusive create, documents
// replaced atomically (temp file, fsync, rename, fsync folder), the shared
// write lock, and left-over temp files swept once the lock is held.
//
// Every method is synchronous: the core calls them from inside wasm.

const fs = require('node:fs');
const path = require('node:path');

const { LockFile, randomHex, withLocation } = require('./lock.js');

class FileStore {
  /**
   * @param {string} dir the vault folder (relative to the current directory or absolute)
   * @param {{ lockTimeoutMs: number, tool?: string }} options
   */
  constructor(dir, { lockTimeoutMs, tool = 'node' }) {
    this.dir = path.resolve(dir);
    this.display = dir.endsWith('/') ? dir : `${dir}/`;
    this.lockFile = new LockFile(this.dir, this.display, lockTimeoutMs, tool);
    this.held = null;
  }

  file(name) {
    return path.join(this.dir, name);
  }

  cannotWrite(e) {
    return withLocation(e, this.display);
  }

  /** Creates the folder (and parents) with mode 0700 if it is missing. */
  ensureDir() {
    let stat;
    try {
      stat = fs.statSync(this.dir);
    } catch (e) {
      if (e.code !== 'ENOENT') throw this.cannotWrite(e);
    }
    if (stat !== undefined) {
      if (stat.isDirectory()) return;
      const err = new Error('a file is in the way of the folder');
      err.location = this.display;
      throw err;
    }
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // A umask can only take bits away from 0700; if it took the owner's
      // own bits, give exactly 0700 back (never more).
      if ((fs.statSync(this.dir).mode & 0o777) !== 0o700) fs.chmodSync(this.dir, 0o700);
    } catch (e) {
      throw this.cannotWrite(e);
    }
  }

  syncDir() {
    let fd;
    try {
      fd = fs.openSync(this.dir, 'r');
      fs.fsyncSync(fd);
    } catch (e) {
      throw this.cannotWrite(e);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /** Removes temp files of writers that died before their rename (lock held). */
  sweepTempFiles() {
    let names;
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.includes('.tmp.')) {
        try { fs.unlinkSync(this.file(name)); } catch { /* gone */ }
      }
    }
  }

  read(name) {
    try {
      return fs.readFileSync(this.file(name));
    } catch (e) {
      // The folder path runs through a file: there is no vault there.
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw withLocation(e, `${this.display}${name}`);
    }
  }

  write(name, bytes) {
    this.ensureDir();
    const tmp = this.file(`${name}.tmp.${randomHex(8)}`);
    let fd;
    try {
      fd = fs.openSync(tmp, 'wx', 0o600);
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = undefined;
      fs.renameSync(tmp, this.file(name));
    } catch (e) {
      if (fd !== undefined) {
        try { fs.closeSync(fd); } catch { /* already failing */ }
      }
      try { fs.unlinkSync(tmp); } catch { /* never created or already renamed */ }
      throw this.cannotWrite(e);
    }
    this.syncDir();
  }

  remove(name) {
    try {
      fs.unlinkSync(this.file(name));
    } catch (e) {
      if (e.code === 'ENOENT') return;
      throw this.cannotWrite(e);
    }
    this.syncDir();
  }

  append(name, bytes) {
    this.ensureDir();
    const file = this.file(name);
    const created = !fs.existsSync(file);
    let fd;
    try {
      fd = fs.openSync(file, 'a', 0o600);
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      fs.fdatasyncSync(fd);
    } catch (e) {
      throw this.cannotWrite(e);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    if (created) this.syncDir();
  }

  readTail(name, max) {
    let fd;
    try {
      fd = fs.openSync(this.file(name), 'r');
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw withLocation(e, `${this.display}${name}`);
    }
    try {
      const size = fs.fstatSync(fd).size;
      const start = Math.max(0, size - max);
      const out = Buffer.alloc(size - start);
      let done = 0;
      while (done < out.length) {
        const n = fs.readSync(fd, out, done, out.length - done, start + done);
        if (n === 0) break;
        done += n;
      }
      return out.subarray(0, done);
    } catch (e) {
      throw withLocation(e, `${this.display}${name}`);
    } finally {
      fs.closeSync(fd);
    }
  }

  list() {
    try {
      return fs.readdirSync(this.dir);
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
      throw withLocation(e, this.display);
    }
  }

  lock() {
    this.ensureDir();
    this.held = this.lockFile.acquire();
    this.sweepTempFiles();
  }

  unlock() {
    const held = this.held;
    this.held = null;
    if (held !== null) this.lockFile.release(held);
  }

  /** Whether `config.json` is there (a vault to open, audit to append to). */
  isInitialized() {
    return this.read('config.json') !== null;
  }
}

module.exports = { FileStore };
