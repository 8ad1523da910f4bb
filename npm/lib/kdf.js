'use strict';
// The password key: PBKDF2-HMAC-SHA256 by WebCrypto (OpenSSL in Node, at
// native speed, off the main thread), with the core's pure-Rust PBKDF2 as
// the fallback where crypto.subtle is absent. AES-GCM and every format rule
// stay in the core; only the 32 derived bytes cross over.

const { loaded } = require('./wasm.js');

/**
 * @param {string} password
 * @param {Uint8Array} salt
 * @param {number} iterations
 * @returns {Promise<Uint8Array>} 32 bytes; the caller wipes them (fill(0))
 */
async function derivePasswordKey(password, salt, iterations) {
  // The global, else node:crypto's (the global can be switched off with
  // --no-experimental-global-webcrypto).
  const web = globalThis.crypto || require('node:crypto').webcrypto;
  const subtle = web && web.subtle;
  if (!subtle || typeof subtle.deriveBits !== 'function') {
    return loaded().deriveKey(password, salt, iterations);
  }
  const bytes = new TextEncoder().encode(password);
  try {
    const base = await subtle.importKey('raw', bytes, 'PBKDF2', false, ['deriveBits']);
    const bits = await subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
      base,
      256,
    );
    return new Uint8Array(bits);
  } finally {
    bytes.fill(0);
  }
}

module.exports = { derivePasswordKey };
