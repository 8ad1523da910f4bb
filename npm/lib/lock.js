'use strict';
// The system calls of the vault's write lock, and nothing else. The
// protocol itself — the holder line, when a lock is stale, the
// `.lock.break` guard, the pauses, the timeout and the messages — is the
// core's (core/src/lock.rs, docs/format.md §12); the wasm build runs it
// over this object (acquireLock, releaseLock, inspectLock), as the CLI
// runs it over native-cli/src/lock.rs.
//
// `.lock` is read like every file of the folder (./folder-rules.js): a
// FIFO, a folder or a link in its place is refused at once. The core calls
// these methods synchronously from inside wasm, so the pause is
// Atomics.wait, not a timer.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { readChecked } = require('./folder-rules.js');
const { readInto } = require('./read-fd.js');
const { withLocation } = require('./os-error.js');

const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/** The lock files of one vault folder (TypeScript: AgentSecretsLockPrimitives). */
class LockPrimitives {
  /**
   * @param {string} dir the vault folder
   * @param {string} display the folder as shown to users, ending in '/'
   */
  constructor(dir, display) {
    this.dir = dir;
    this.display = display;
  }

  /** Exclusive create (O_CREAT|O_EXCL, 0600; never follows a link): false if the name exists. */
  createExclusive(name, bytes) {
    let fd;
    try {
      fd = fs.openSync(path.join(this.dir, name), 'wx', 0o600);
    } catch (e) {
      if (e.code === 'EEXIST') return false;
      throw withLocation(e, this.display + name);
    }
    try {
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    } catch (e) {
      throw withLocation(e, this.display + name);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  }

  /** The file's bytes, read as every file of the folder is, or null if there is none. */
  read(name) {
    try {
      return readChecked(path.join(this.dir, name), name, this.display + name);
    } catch (e) {
      throw withLocation(e, this.display + name);
    }
  }

  /** Unlinks the file; absent is fine. */
  remove(name) {
    try {
      fs.unlinkSync(path.join(this.dir, name));
    } catch (e) {
      if (e.code !== 'ENOENT') throw withLocation(e, this.display + name);
    }
  }

  /** Milliseconds since the file was modified (lstat), or undefined. */
  ageMs(name) {
    try {
      return Date.now() - fs.lstatSync(path.join(this.dir, name)).mtimeMs;
    } catch {
      return undefined;
    }
  }

  /** kill(pid, 0): EPERM means the process exists but is someone else's. */
  pidAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return e.code !== 'ESRCH';
    }
  }

  sleep(ms) {
    Atomics.wait(pauseCell, 0, 0, ms);
  }

  nowMs() {
    return Date.now();
  }

  monotonicMs() {
    const [seconds, nanos] = process.hrtime();
    return seconds * 1e3 + nanos / 1e6;
  }

  host() {
    return os.hostname();
  }

  pid() {
    return process.pid;
  }

  /**
   * The holder line's 8 random bytes (uniqueness, not secrecy), read from
   * /dev/urandom: the first crypto.getRandomValues of a process loads all
   * of Node's WebCrypto, about 1.5 ms of a cold openVault + get
   * (docs/adr/0012). Where there is no /dev/urandom this throws, and the
   * core takes them from crypto.getRandomValues.
   */
  nonce() {
    const bytes = new Uint8Array(8);
    const fd = fs.openSync('/dev/urandom', 'r');
    try {
      if (readInto(fd, bytes) < bytes.length) throw new Error('/dev/urandom: end of file');
    } finally {
      fs.closeSync(fd);
    }
    return bytes;
  }
}

module.exports = { LockPrimitives };
