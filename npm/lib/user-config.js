'use strict';
// The user's own configuration file (outside any vault), read for the
// core's decision of the alert command (core/src/user_config.rs, docs/format.md
// §17): opened without following a symbolic link and without blocking (a
// FIFO in its place cannot hang), type, owner and mode from the open file,
// at most the core's limit read, and only from a regular file. Whether the
// file is acceptable, and what the command is, the core decides.

const fs = require('node:fs');

const { loaded } = require('./wasm.js');
const { readInto } = require('./read-fd.js');

/** What is at `filePath`, in the shape the core's `alertCommand` takes. */
function readUserConfigFile(filePath, limit) {
  if (filePath === undefined) return { state: 'absent' };
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
  let fd;
  try {
    fd = fs.openSync(filePath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return { state: 'absent' };
    if (e.code === 'ELOOP') return { state: 'symlink' };
    return { state: 'unreadable', reason: e.code || e.message };
  }
  try {
    const stat = fs.fstatSync(fd);
    const regular = stat.isFile();
    let bytes = new Uint8Array(0);
    if (regular) {
      const buf = Buffer.alloc(limit);
      bytes = buf.subarray(0, readInto(fd, buf));
    }
    return { state: 'opened', regular, owner: stat.uid, mode: stat.mode & 0o7777, bytes };
  } catch (e) {
    return { state: 'unreadable', reason: e.code || e.message };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The alert command: AGENT_SECRETS_ALERT_COMMAND of `processEnv`, else the
 * user configuration file (XDG_CONFIG_HOME, else HOME/.config).
 * `{ command?: string[], warning?: string }`.
 */
function alertCommand(processEnv) {
  const wasm = loaded();
  const text = (v) => (typeof v === 'string' ? v : undefined);
  const filePath = wasm.userConfigPath(text(processEnv.XDG_CONFIG_HOME), text(processEnv.HOME));
  const file = readUserConfigFile(filePath, wasm.userConfigReadLimit());
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : 0xffffffff;
  return wasm.alertCommand(text(processEnv.AGENT_SECRETS_ALERT_COMMAND), filePath, file, uid);
}

module.exports = { alertCommand };
