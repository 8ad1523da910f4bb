'use strict';
// The vault's write lock, as docs/format.md §12 specifies it and the CLI
// implements it (native-cli/src/lock.rs): `.lock` created exclusively,
// holding one JSON line naming its holder; waiters back off 1 ms doubling
// to 50 ms; a stale lock (dead holder on this host, older than 600 s, or
// unparseable and older than 10 s) is broken under `.lock.break`, and only
// if its bytes are still the ones judged stale. `.lock` is read like every
// file of the folder (./folder-rules.js): a FIFO, a folder or a link in its
// place is an error at once, not a wait until the timeout, nor a hang.
//
// The wasm core calls the store synchronously, so waiting is a synchronous
// pause (Atomics.wait), not a timer.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { readChecked } = require('./folder-rules.js');

const LOCK_FILE = '.lock';

/**
 * `bytes` random bytes in hex from the OS CSPRNG, through WebCrypto's
 * getRandomValues: the package loads WebCrypto for the password key
 * anyway, and node:crypto on top of it would add ~2.5 ms to a cold start.
 * node:crypto where the global is switched off.
 */
function randomHex(bytes) {
  const web = globalThis.crypto;
  const random = web && typeof web.getRandomValues === 'function'
    ? Buffer.from(web.getRandomValues(new Uint8Array(bytes)))
    : require('node:crypto').randomBytes(bytes);
  return random.toString('hex');
}

/** A lock older than this is stale whoever holds it. */
const STALE_AFTER_MS = 600_000;
/** An unparseable lock, or a `.lock.break`, older than this is stale. */
const GUARD_STALE_AFTER_MS = 10_000;
/** Default wait for a live lock. */
const DEFAULT_TIMEOUT_MS = 10_000;

const pauseCell = new Int32Array(new SharedArrayBuffer(4));
function pause(ms) {
  Atomics.wait(pauseCell, 0, 0, ms);
}

/** RFC 3339 UTC, whole seconds, as the format writes timestamps. */
function rfc3339(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The lock wait from AGENT_SECRETS_LOCK_TIMEOUT_MS, as the CLI reads it. */
function timeoutFromEnv(env) {
  const raw = env.AGENT_SECRETS_LOCK_TIMEOUT_MS;
  if (raw === undefined || !/^\d+$/.test(raw)) return DEFAULT_TIMEOUT_MS;
  return Number(raw);
}

function ageMs(file) {
  try {
    return Date.now() - fs.lstatSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function createExclusive(file, bytes) {
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeSync(fd, bytes);
  } finally {
    fs.closeSync(fd);
  }
}

function processExists(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return e.code !== 'ESRCH';
  }
}

/** The holder object of a lock's bytes, or undefined if they are not one. */
function parseHolder(bytes) {
  try {
    const h = JSON.parse(bytes.toString('utf8'));
    if (
      h && typeof h === 'object' &&
      Number.isInteger(h.pid) && h.pid >= 0 &&
      typeof h.host === 'string' && typeof h.created_at === 'string' &&
      typeof h.nonce === 'string' && typeof h.tool === 'string'
    ) {
      const created = Date.parse(h.created_at);
      if (!Number.isNaN(created)) return { ...h, createdMs: created };
    }
  } catch {
    // not JSON: being written right now, or garbage
  }
  return undefined;
}

class LockFile {
  /**
   * @param {string} dir the vault folder
   * @param {string} display the folder as shown to users, ending in '/'
   * @param {number} timeoutMs how long to wait for a live holder
   * @param {string} tool "node"
   */
  constructor(dir, display, timeoutMs, tool) {
    this.path = path.join(dir, LOCK_FILE);
    this.guard = path.join(dir, '.lock.break');
    this.display = `${display}.lock`;
    this.timeoutMs = timeoutMs;
    this.tool = tool;
  }

  /** Takes the lock; returns our bytes (the proof for release). */
  acquire() {
    const host = os.hostname();
    const holder = {
      pid: process.pid,
      host,
      created_at: rfc3339(new Date()),
      nonce: randomHex(8),
      tool: this.tool,
    };
    const content = Buffer.from(`${JSON.stringify(holder)}\n`);
    const started = Date.now();
    let wait = 1;
    for (;;) {
      try {
        createExclusive(this.path, content);
        return content;
      } catch (e) {
        if (e.code !== 'EEXIST') throw withLocation(e, this.display);
      }
      let seen;
      try {
        seen = this.read();
      } catch (e) {
        // Not a regular file of ours in its place, or unreadable: no
        // waiting fixes that.
        throw withLocation(e, this.display);
      }
      // Released between our create and read: try again at once.
      if (seen === null) continue;
      if (this.isStale(seen, host) && this.breakStale(seen)) continue;
      if (Date.now() - started >= this.timeoutMs) {
        const err = new Error(this.busyMessage(seen));
        err.busy = true;
        throw err;
      }
      pause(wait);
      wait = Math.min(wait * 2, 50);
    }
  }

  /** `.lock`'s bytes (null if there is none), read as every file of the folder is. */
  read() {
    return readChecked(this.path, LOCK_FILE, this.display);
  }

  /** Releases the lock if it still holds our content. */
  release(content) {
    let seen;
    try {
      seen = this.read();
    } catch {
      return; // not a lock of ours
    }
    // Gone, or broken by someone who judged us stale: nothing of ours to remove.
    if (seen === null || !seen.equals(content)) return;
    try {
      fs.unlinkSync(this.path);
    } catch (e) {
      if (e.code !== 'ENOENT') throw withLocation(e, this.display);
    }
  }

  isStale(seen, ourHost) {
    const holder = parseHolder(seen);
    if (holder === undefined) {
      const age = ageMs(this.path);
      return age !== undefined && age > GUARD_STALE_AFTER_MS;
    }
    if (holder.host === ourHost && !processExists(holder.pid)) return true;
    const age = ageMs(this.path);
    return Date.now() - holder.createdMs > STALE_AFTER_MS ||
      (age !== undefined && age > STALE_AFTER_MS);
  }

  /**
   * Removes the stale lock if it still holds `seen`: true when it is gone
   * (try again at once), false when someone else is breaking it (wait as
   * for a live lock, within the timeout).
   */
  breakStale(seen) {
    const guardAge = ageMs(this.guard);
    if (guardAge !== undefined && guardAge > GUARD_STALE_AFTER_MS) {
      try { fs.unlinkSync(this.guard); } catch { /* someone else did */ }
    }
    try {
      createExclusive(this.guard, Buffer.alloc(0));
    } catch {
      return false; // someone else is breaking it
    }
    let removed = false;
    try {
      const now = this.read();
      if (now !== null && now.equals(seen)) {
        fs.unlinkSync(this.path);
        removed = true;
      }
    } catch {
      // gone already: nothing to break
    }
    try { fs.unlinkSync(this.guard); } catch { /* gone */ }
    return removed;
  }

  busyMessage(seen) {
    const h = parseHolder(seen);
    if (h === undefined) {
      return `${this.display} exists and is not a lock this version understands. ` +
        'If no agent process is running, remove it.';
    }
    return `${this.display} is held by pid ${h.pid} on ${h.host} since ${h.created_at} (${h.tool}). ` +
      'If no agent process is running, remove it.';
  }
}

/**
 * An operating-system error as the store reports it to the core: the
 * message is the reason in the CLI's words ("Permission denied (os error
 * 13)"), `location` the path shown to the user.
 */
function withLocation(e, location) {
  // The core's refusal already names the path and the fix.
  if (e && e.refused === true) return e;
  const err = new Error(osReason(e));
  err.location = location;
  return err;
}

/**
 * The C library's words for the errors a vault folder meets, so that the
 * reason reads as the CLI's does (Rust prints strerror); libuv's own
 * wording for anything else.
 */
const STRERROR = {
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EEXIST: 'File exists',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EROFS: 'Read-only file system',
  EIO: 'Input/output error',
  EMFILE: 'Too many open files',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  EXDEV: 'Invalid cross-device link',
};

/** An errno error worded like Rust's io::Error: "Permission denied (os error 13)". */
function osReason(e) {
  if (e && typeof e.errno === 'number' && typeof e.code === 'string') {
    let text = STRERROR[e.code];
    if (text === undefined) {
      const m = /^[A-Z0-9]+: ([^,]+)/.exec(String(e.message));
      text = m ? m[1].charAt(0).toUpperCase() + m[1].slice(1) : e.code;
    }
    return `${text} (os error ${Math.abs(e.errno)})`;
  }
  return String(e && e.message ? e.message : e);
}

module.exports = {
  LockFile, withLocation, timeoutFromEnv, rfc3339, randomHex,
  DEFAULT_TIMEOUT_MS, STALE_AFTER_MS, GUARD_STALE_AFTER_MS,
};
