'use strict';
// The vault folder as the store the wasm core reads and writes, with the
// same rules as the CLI's (native-cli/src/fs_store.rs, docs/format.md §2
// and §13): folder 0700, every file created 0600 with exclusive create,
// documents replaced atomically (temp file, fsync, rename, fsync folder),
// the shared write lock (the core's protocol over ./lock.js's system
// calls), and left-over temp files of ours swept once the lock is held.
//
// The folder is untrusted input. Before first use the folder itself is
// judged from lstat (a real folder, the user's or root's, not writable by
// group or others); every file is opened without following a link and
// without blocking, fstat-ed and judged, and read at most up to its cap
// (./folder-rules.js). The core decides and words every refusal.
//
// `list()` returns every name in the folder, whatever its type: the core
// reads only names it knows, and reading one that is not a regular file
// reports it.
//
// Every method is synchronous: the core calls them from inside wasm.

const fs = require('node:fs');
const path = require('node:path');

const { core } = require('./errors.js');
const { LockPrimitives } = require('./lock.js');
const { withLocation } = require('./os-error.js');
const { readInto } = require('./read-fd.js');
const { NO_FOLLOW, euid, folderProblem, openChecked, readChecked, refused } = require('./folder-rules.js');
const { loaded } = require('./wasm.js');

const C = fs.constants;
const CONFIG_FILE = 'config.json';

/**
 * The wait AGENT_SECRETS_LOCK_TIMEOUT_MS in `processEnv` sets, by the
 * core's grammar (docs/format.md §12; a value that breaks it throws
 * INVALID_INPUT), or undefined when it is unset: then the core's default
 * applies, and the wasm module is not needed before the background
 * compile has finished.
 */
function lockTimeoutFromEnv(processEnv) {
  const raw = processEnv.AGENT_SECRETS_LOCK_TIMEOUT_MS;
  if (raw === undefined) return undefined;
  return core(() => loaded().lockTimeoutMs(String(raw)));
}

class FileStore {
  /**
   * @param {string} dir the vault folder (relative to the current directory or absolute)
   * @param {{ lockTimeoutMs?: number, tool?: string }} options `lockTimeoutMs`
   *   undefined: the core's default
   */
  constructor(dir, { lockTimeoutMs, tool = 'node' } = {}) {
    // Resolved: no trailing slash, so lstat judges the folder itself.
    this.dir = path.resolve(dir);
    this.display = dir.endsWith('/') ? dir : `${dir}/`;
    this.lockIo = new LockPrimitives(this.dir, this.display);
    this.timeoutMs = lockTimeoutMs;
    this.tool = tool;
    this.held = null;
    this.folderOk = false;
  }

  /** How long a writer waits for another (the lock, and unlocks in flight). */
  lockTimeoutMs() {
    return this.timeoutMs !== undefined ? this.timeoutMs : loaded().lockTimeoutMs(undefined);
  }

  file(name) {
    return path.join(this.dir, name);
  }

  shown(name) {
    return `${this.display}${name}`;
  }

  cannotWrite(e) {
    return withLocation(e, this.display);
  }

  /**
   * Whether there is a vault folder here, judged by the core from lstat
   * (once per store once it passes): a link is refused; nothing, or a
   * file in the folder's place, is no folder (false).
   */
  folder() {
    if (this.folderOk) return true;
    let st;
    try {
      st = fs.lstatSync(this.dir);
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return false;
      throw withLocation(e, this.display);
    }
    if (!st.isDirectory() && !st.isSymbolicLink()) return false;
    const problem = folderProblem(this.display, st);
    if (problem) throw refused(problem);
    this.folderOk = true;
    return true;
  }

  /** Creates the folder (and parents) with mode 0700 if it is missing, and judges it. */
  ensureDir() {
    if (this.folder()) return;
    let st;
    try {
      st = fs.lstatSync(this.dir);
    } catch (e) {
      if (e.code !== 'ENOENT') throw this.cannotWrite(e);
    }
    if (st !== undefined) {
      // A file in the way: the core's words for it.
      const problem = folderProblem(this.display, st);
      if (problem) throw refused(problem);
    } else {
      try {
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        // A umask can only take bits away from 0700; if it took the owner's
        // own bits, give exactly 0700 back (never more).
        if ((fs.lstatSync(this.dir).mode & 0o777) !== 0o700) fs.chmodSync(this.dir, 0o700);
      } catch (e) {
        throw this.cannotWrite(e);
      }
    }
    if (!this.folder()) {
      throw withLocation(new Error('the folder vanished as it was created'), this.display);
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

  /**
   * Removes temp files of writers that died before their rename (lock
   * held): only names of the core's temp pattern, never a user's *.tmp.*.
   */
  sweepTempFiles() {
    let names;
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    const core = loaded();
    for (const name of names) {
      if (core.isTempName(name)) {
        try { fs.unlinkSync(this.file(name)); } catch { /* gone */ }
      }
    }
  }

  read(name) {
    if (!this.folder()) return null;
    try {
      return readChecked(this.file(name), name, this.shown(name));
    } catch (e) {
      throw withLocation(e, this.shown(name));
    }
  }

  write(name, bytes) {
    this.replace(name, bytes, true);
  }

  /**
   * The core's write for documents whose loss in a crash only resets what
   * they count (the lockout's state.json, written twice per unlock): as
   * atomic as `write`, without waiting for the disk (no fsync), as the CLI.
   */
  writeUnsynced(name, bytes) {
    this.replace(name, bytes, false);
  }

  replace(name, bytes, durable) {
    this.ensureDir();
    const tmp = this.file(loaded().tempName());
    let fd;
    try {
      fd = fs.openSync(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | NO_FOLLOW, 0o600);
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      if (durable) fs.fsyncSync(fd);
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
    if (durable) this.syncDir();
  }

  remove(name) {
    this.folder();
    // unlink(2) removes a link itself, never what it points to.
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
    let fd;
    try {
      fd = openChecked(this.file(name), name, this.shown(name),
        C.O_WRONLY | C.O_APPEND | C.O_CREAT, 'append');
      if (fd === null) throw new Error('the folder vanished');
      // Empty before this line: most likely just created, so the folder
      // entry must reach the disk too.
      const wasEmpty = fs.fstatSync(fd).size === 0;
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      fs.fdatasyncSync(fd);
      if (wasEmpty) this.syncDir();
    } catch (e) {
      throw this.cannotWrite(e);
    } finally {
      if (fd !== undefined && fd !== null) fs.closeSync(fd);
    }
  }

  readTail(name, max) {
    if (!this.folder()) return null;
    let fd;
    try {
      fd = openChecked(this.file(name), name, this.shown(name), C.O_RDONLY, 'tail');
    } catch (e) {
      throw withLocation(e, this.shown(name));
    }
    if (fd === null) return null;
    try {
      const size = fs.fstatSync(fd).size;
      const start = Math.max(0, size - max);
      const out = Buffer.alloc(size - start);
      return out.subarray(0, readInto(fd, out, start));
    } catch (e) {
      throw withLocation(e, this.shown(name));
    } finally {
      fs.closeSync(fd);
    }
  }

  list() {
    if (!this.folder()) return [];
    try {
      return fs.readdirSync(this.dir);
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
      throw withLocation(e, this.display);
    }
  }

  /**
   * Takes the write lock (the core's protocol); a failure throws as the
   * wasm store expects it (`busy`, `refused` or a `location`).
   */
  lock() {
    this.ensureDir();
    this.held = loaded().acquireLock(this.lockIo, this.display, this.timeoutMs, this.tool);
    this.sweepTempFiles();
  }

  unlock() {
    const held = this.held;
    this.held = null;
    if (held !== null) loaded().releaseLock(this.lockIo, this.display, held);
  }

  /** The lock as the core judges it, without taking or breaking it: `{ state, detail? }`. */
  inspectLock() {
    return loaded().inspectLock(this.lockIo, this.display);
  }

  /**
   * Whether `config.json` is there (a vault to open, audit to append to).
   * Only its name is looked at (no wasm needed yet); reading it judges it.
   */
  isInitialized() {
    try {
      fs.lstatSync(this.file(CONFIG_FILE));
      return true;
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return false;
      throw withLocation(e, this.shown(CONFIG_FILE));
    }
  }
}

module.exports = { FileStore, lockTimeoutFromEnv };
