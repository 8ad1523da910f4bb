'use strict';
// Opening the files of the vault folder as the CLI does
// (native-cli/src/fs_store.rs; docs/format.md §2, "Ownership and file
// types"): never through a symbolic link, never blocking on a FIFO or a
// device (O_NOFOLLOW | O_NONBLOCK | O_NOCTTY), then fstat the handle and
// ask the core (through wasm) whether the file may be used. The core
// decides — regular files only, the user's or root's, not writable by
// group or others, one link when appended to, at most the cap of the
// document's kind read whole — and words the refusal; this file only
// makes the system calls and throws the core's message with
// `refused: true`, which the wasm store turns back into the core's error.

const fs = require('node:fs');

const { loaded } = require('./wasm.js');
const { readInto } = require('./read-fd.js');

const C = fs.constants;
/** Added to every open of a file in the folder. */
const NO_FOLLOW = C.O_NOFOLLOW | C.O_NONBLOCK | (C.O_NOCTTY || 0);

/** The effective user id the rules compare owners with. */
function euid() {
  return process.geteuid();
}

/** An error carrying the core's refusal, as the wasm store expects it. */
function refused(message) {
  const err = new Error(message);
  err.refused = true;
  return err;
}

/** Why the file `name` (shown as `shown`) with these stats may not be used for `access`. */
function fileProblem(shown, name, st, access) {
  return loaded().fileProblem(shown, name, st.mode, st.uid, st.nlink, st.size, euid(), access);
}

/** Why the vault folder (shown as `shown`) with this lstat may not be used. */
function folderProblem(shown, st) {
  return loaded().folderProblem(shown, st.mode, st.uid, euid());
}

/**
 * Opens `file` (the folder's `name`, shown as `shown`) with `flags` and
 * the no-follow flags, then judges the handle for `access` ('read',
 * 'tail', 'append' or 'report'). Returns the fd, or null when there is no
 * such file. A refusal throws with `refused: true`; any other failure
 * throws the system's error (the caller adds the location). When the open
 * itself fails (a link, a FIFO opened for writing, a folder), lstat says
 * what is there and the core words the refusal.
 */
function openChecked(file, name, shown, flags, access, mode = 0o600) {
  let fd;
  try {
    fd = fs.openSync(file, flags | NO_FOLLOW, mode);
  } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    let st;
    try {
      st = fs.lstatSync(file);
    } catch {
      throw e;
    }
    const problem = fileProblem(shown, name, st, access);
    throw problem ? refused(problem) : e;
  }
  try {
    const problem = fileProblem(shown, name, fs.fstatSync(fd), access);
    if (problem) throw refused(problem);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  return fd;
}

/**
 * The file read whole, at most the cap of its kind even if it grows while
 * being read; null when there is none. `access` is 'read' (the store) or
 * 'report'.
 */
function readChecked(file, name, shown, access = 'read') {
  const fd = openChecked(file, name, shown, C.O_RDONLY, access);
  if (fd === null) return null;
  try {
    const cap = loaded().maxBytes(name);
    const chunks = [];
    let total = 0;
    let want = Math.min(fs.fstatSync(fd).size, cap) + 1;
    while (want > 0) {
      const buf = Buffer.alloc(want);
      const got = readInto(fd, buf);
      chunks.push(buf.subarray(0, got));
      total += got;
      if (got < want) break;
      want = Math.min(cap + 1 - total, 1 << 20);
    }
    const problem = loaded().sizeProblem(shown, name, total);
    if (problem) throw refused(problem);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  } finally {
    fs.closeSync(fd);
  }
}

module.exports = { NO_FOLLOW, euid, refused, folderProblem, openChecked, readChecked };
