'use strict';
// Sessions (`agent secret unlock`): openVault asks the user's session agent
// for the vault key over its Unix socket (node:net), so a build script run
// after `agent secret unlock` needs no password. Where the socket is, which
// folder and socket may be used, and every byte of the protocol are the
// core's (through wasm; core/src/session.rs, docs/session.md); this file
// does realpath, lstat and the socket I/O. Node cannot read a socket
// peer's uid, so the client's check is the one the CLI also makes first:
// the folder is a real folder of the user's own with mode 0700 and the
// socket a socket of the user's own with mode 0600 — which only the user
// (or root) can have made. Anything that keeps a session from being used
// makes openVault fall back to the password, with a warning when something
// is wrong.

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

/** How long the agent may take to answer. */
const ANSWER_TIMEOUT_MS = 2000;

function warn(message) {
  process.emitWarning(message, 'AgentSecretsWarning');
}

/** lstat, or null when nothing is there. */
function lstat(p) {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw e;
  }
}

/** One request, one answer: the answer's whole frame (the caller wipes it). */
function exchange(wasm, socketPath, request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let total = 0;
    let expected;
    let settled = false;
    const wipe = () => { for (const c of chunks) c.fill(0); };
    const finish = (err, frame) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      wipe();
      if (err) reject(err); else resolve(frame);
    };
    const socket = net.createConnection({ path: socketPath });
    const timer = setTimeout(() => finish(new Error('no answer from the session agent')),
      ANSWER_TIMEOUT_MS);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      total += chunk.length;
      try {
        if (expected === undefined && total >= 4) {
          const head = Buffer.concat(chunks, total).subarray(0, 4);
          expected = wasm.sessionFrameLength(head);
        }
      } catch (e) {
        finish(e);
        return;
      }
      if (expected !== undefined && total >= expected) {
        const frame = Buffer.concat(chunks, total);
        if (total > expected) {
          frame.fill(0);
          finish(new Error('the session agent sent more than one answer'));
        } else {
          finish(null, frame);
        }
      }
    });
    socket.on('end', () => finish(new Error('the session agent closed without an answer')));
    socket.on('error', (e) => finish(e));
  });
}

/**
 * The vault in `store` opened with its session's key (a wasm Vault), or
 * undefined when there is no usable session: sessions turned off
 * (AGENT_SECRETS_NO_SESSION), no agent, a socket nobody listens on (then
 * removed), a folder or socket that breaks the rules (warned), an agent
 * holding another key of the vault (warned: rotated or replaced). An error
 * of the vault itself (config.json failing its MAC) is thrown, as with the
 * password.
 */
async function openWithSession(wasm, store, processEnv, now) {
  if (wasm.sessionDisabled(text(processEnv.AGENT_SECRETS_NO_SESSION))) return undefined;
  if (typeof process.geteuid !== 'function') return undefined;
  const euid = process.geteuid();
  let canonical;
  try {
    canonical = fs.realpathSync(store.dir, { encoding: 'buffer' });
  } catch {
    return undefined;
  }
  // The temp dir as the CLI takes it (Rust's std::env::temp_dir).
  const tmp = text(processEnv.TMPDIR) || '/tmp';
  let socketPath;
  try {
    socketPath = wasm.sessionSocketPath(text(processEnv.XDG_RUNTIME_DIR), tmp, euid, canonical);
  } catch (e) {
    warn(`${e.message}; using the password.`);
    return undefined;
  }
  const folder = path.dirname(socketPath);
  let socketStat;
  try {
    const folderStat = lstat(folder);
    if (folderStat === null) return undefined;
    const folderProblem = wasm.sessionFolderProblem(folder, folderStat.mode, folderStat.uid, euid);
    if (folderProblem !== undefined) {
      warn(`${folderProblem}; using the password.`);
      return undefined;
    }
    socketStat = lstat(socketPath);
    if (socketStat === null) return undefined;
    const socketProblem = wasm.sessionSocketProblem(socketPath, socketStat.mode, socketStat.uid,
      euid);
    if (socketProblem !== undefined) {
      warn(`${socketProblem}; using the password.`);
      return undefined;
    }
  } catch (e) {
    warn(`cannot look at ${folder} (${e.code || e.message}); using the password.`);
    return undefined;
  }
  const request = wasm.sessionKeyRequest(store, canonical);
  if (request === undefined) return undefined;
  let frame;
  try {
    frame = await exchange(wasm, socketPath, request);
  } catch (e) {
    if (e.code === 'ECONNREFUSED') {
      // A killed agent's socket: nobody listens, and it is the user's own.
      removeIfSame(socketPath, socketStat);
    } else if (e.code !== 'ENOENT') {
      warn(`the session agent could not be asked (${e.code || e.message}); using the password.`);
    }
    return undefined;
  }
  try {
    return wasm.Vault.unlockWithSession(store, frame, now()) || undefined;
  } catch (e) {
    if (e.code === 'WRONG_PASSWORD') {
      warn('the session holds another key of this vault (it was rotated or replaced since ' +
        '`agent secret unlock`); using the password.');
      return undefined;
    }
    if (e.code === 'IO') {
      warn(`${e.message}; using the password.`);
      return undefined;
    }
    throw e;
  } finally {
    frame.fill(0);
  }
}

function text(v) {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function removeIfSame(p, before) {
  const now = lstat(p);
  if (now !== null && now.dev === before.dev && now.ino === before.ino) {
    try { fs.unlinkSync(p); } catch { /* someone else removed it */ }
  }
}

module.exports = { openWithSession };
