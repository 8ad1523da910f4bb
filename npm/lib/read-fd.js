'use strict';
// The package's one "fill this buffer from a file descriptor" loop: a
// read may return fewer bytes than asked for.

const fs = require('node:fs');

/**
 * Reads into `buf` until it is full or the file ends; the number of bytes
 * read. `position` is null to read on from the descriptor's offset, or
 * the file offset of buf's first byte.
 */
function readInto(fd, buf, position = null) {
  let done = 0;
  while (done < buf.length) {
    const at = position === null ? null : position + done;
    const n = fs.readSync(fd, buf, done, buf.length - done, at);
    if (n === 0) break;
    done += n;
  }
  return done;
}

module.exports = { readInto };
