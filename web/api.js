// @ts-check
// The dashboard's side of the wire: the JSON API of `agent secret ui`
// (docs/dashboard.md), the in-page document store the wasm core reads and
// writes, and the password key by WebCrypto. What crosses the wire is
// ciphertext and names; the password and the keys stay in this tab.

/** @typedef {{ status: number, etag: string | null, body: Uint8Array, json: any }} ApiResponse */

export class Api {
  /** @param {string} token the token of the address `agent secret ui` printed */
  constructor(token) {
    /** @private */
    this.token = token;
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ body?: Uint8Array | string, headers?: Record<string, string> }} [options]
   * @returns {Promise<ApiResponse>}
   */
  async call(method, path, options = {}) {
    /** @type {Record<string, string>} */
    const headers = { Authorization: `Bearer ${this.token}`, ...(options.headers || {}) };
    const response = await fetch(path, {
      method,
      headers,
      body: /** @type {BodyInit | undefined} */ (options.body),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    const body = new Uint8Array(await response.arrayBuffer());
    let json = null;
    const type = response.headers.get('Content-Type') || '';
    if (type.startsWith('application/json') && body.length > 0) {
      json = JSON.parse(new TextDecoder().decode(body));
    }
    return { status: response.status, etag: response.headers.get('ETag'), body, json };
  }

  /** @param {string} path */
  get(path) {
    return this.call('GET', path);
  }
}

/** An error the API answered with, as a message for people. */
export class ApiError extends Error {
  /** @param {ApiResponse} response */
  constructor(response) {
    super((response.json && response.json.error) || `The server answered ${response.status}.`);
    this.name = 'ApiError';
    this.status = response.status;
    /** @type {string | undefined} */
    this.code = response.json ? response.json.code : undefined;
  }
}

/**
 * The documents the page holds, as the core's store (every method
 * synchronous). The server is the real store: the page puts what it
 * fetched here, lets the core change it, and sends what the core wrote.
 * The lock is the server's, taken for each write it makes.
 */
export class PageStore {
  constructor() {
    /** @type {Map<string, Uint8Array>} */
    this.docs = new Map();
    /** @type {Set<string>} documents written since `clearChanges` */
    this.written = new Set();
    /** @type {Set<string>} documents removed since `clearChanges` */
    this.removed = new Set();
  }

  /** @param {string} name */
  read(name) {
    return this.docs.get(name) ?? null;
  }

  /** @param {string} name @param {Uint8Array} bytes */
  write(name, bytes) {
    this.docs.set(name, bytes.slice());
    this.written.add(name);
    this.removed.delete(name);
  }

  /** @param {string} name */
  remove(name) {
    this.docs.delete(name);
    this.removed.add(name);
    this.written.delete(name);
  }

  list() {
    return [...this.docs.keys()];
  }

  lock() {}

  unlock() {}

  clearChanges() {
    this.written.clear();
    this.removed.clear();
  }

  /** Forgets every document (the page locks). */
  wipe() {
    for (const bytes of this.docs.values()) bytes.fill(0);
    this.docs.clear();
    this.clearChanges();
  }
}

/**
 * PBKDF2-HMAC-SHA256 by WebCrypto, 32 bytes, with the vault's parameters.
 * @param {string} password
 * @param {Uint8Array} salt
 * @param {number} iterations
 * @returns {Promise<Uint8Array>} the caller wipes it (fill(0))
 */
export async function derivePasswordKey(password, salt, iterations) {
  const bytes = new TextEncoder().encode(password);
  try {
    const base = await crypto.subtle.importKey('raw', bytes, 'PBKDF2', false, ['deriveBits']);
    const bits = await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt: /** @type {BufferSource} */ (salt), iterations }, base, 256);
    return new Uint8Array(bits);
  } finally {
    bytes.fill(0);
  }
}

/** @param {string} text standard base64 */
export function fromBase64(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) out[i] = raw.charCodeAt(i);
  return out;
}

/** The current time in seconds, as the core takes it. */
export function nowSeconds() {
  return Date.now() / 1000;
}
