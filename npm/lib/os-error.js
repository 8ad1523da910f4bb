'use strict';
// Operating-system errors as the file store reports them to the core: the
// reason worded as the CLI's (Rust prints the C library's strerror, "Permission
// denied (os error 13)"), the location the path shown to the user.

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

module.exports = { withLocation, osReason };
