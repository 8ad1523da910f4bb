'use strict';
// Wycheproof AES-GCM and PBKDF2-HMAC-SHA256 vectors through the package's
// build (its exported primitives), with the same checks and counts as the
// core's and the wasm crate's tests (tests/support/wycheproof.rs).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { primitives } = require('..');
const { REPO } = require('./helpers.js');

const DATA = path.join(REPO, 'tests', 'data', 'wycheproof');
const load = (name) => JSON.parse(fs.readFileSync(path.join(DATA, name), 'utf8'));
const hex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const flip = (bytes, bit) => {
  const out = new Uint8Array(bytes);
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
};

function open(key, iv, aad, ct, tag) {
  try {
    return { plain: Buffer.from(primitives.aes256GcmOpen(key, iv, aad, Buffer.concat([ct, tag]))).toString('hex') };
  } catch (e) {
    if (e.code === 'INTEGRITY') return 'auth-failed';
    if (e.code === 'INVALID_INPUT') return 'bad-parameter';
    throw e;
  }
}

function seal(key, iv, aad, msg) {
  try {
    return Buffer.from(primitives.aes256GcmSeal(key, iv, aad, msg)).toString('hex');
  } catch (e) {
    if (e.code === 'INVALID_INPUT') return 'bad-parameter';
    throw e;
  }
}

test('Wycheproof AES-GCM: AES-256 with 96-bit IVs checked, other sizes refused', () => {
  const file = load('aes_gcm_test.json');
  const counts = { valid: 0, acceptable: 0, invalid: 0, tampered: 0, refusedGroups: 0, refusedCases: 0 };
  let visited = 0;
  for (const group of file.testGroups) {
    visited += group.tests.length;
    const supported = group.keySize === 256 && group.ivSize === 96 && group.tagSize === 128;
    for (const c of group.tests) {
      const [key, iv, aad, msg, ct, tag] = [c.key, c.iv, c.aad, c.msg, c.ct, c.tag].map(hex);
      const id = `tcId ${c.tcId}`;
      if (!supported) {
        assert.equal(seal(key, iv, aad, msg), 'bad-parameter', id);
        assert.equal(open(key, iv, aad, ct, tag), 'bad-parameter', id);
        counts.refusedCases++;
        continue;
      }
      if (c.result === 'invalid') {
        assert.equal(open(key, iv, aad, ct, tag), 'auth-failed', id);
        counts.invalid++;
        continue;
      }
      assert.ok(c.result === 'valid' || c.result === 'acceptable', id);
      assert.deepEqual(open(key, iv, aad, ct, tag), { plain: c.msg.toLowerCase() }, id);
      assert.equal(seal(key, iv, aad, msg), (c.ct + c.tag).toLowerCase(), id);
      const refuse = (what, iv2, aad2, ct2, tag2) => {
        assert.equal(open(key, iv2, aad2, ct2, tag2), 'auth-failed', `${id}: flipped ${what}`);
        counts.tampered++;
      };
      if (ct.length > 0) {
        refuse('ciphertext', iv, aad, flip(ct, 0), tag);
        refuse('ciphertext', iv, aad, flip(ct, ct.length * 8 - 1), tag);
      }
      refuse('tag', iv, aad, ct, flip(tag, 0));
      refuse('tag', iv, aad, ct, flip(tag, 127));
      refuse('aad', iv, aad.length === 0 ? new Uint8Array([0]) : flip(aad, 0), ct, tag);
      refuse('iv', flip(iv, 0), aad, ct, tag);
      refuse('iv', flip(iv, 95), aad, ct, tag);
      counts[c.result]++;
    }
    if (!supported) counts.refusedGroups++;
  }
  assert.equal(visited, file.numberOfTests);
  assert.deepEqual(counts, {
    valid: 39, acceptable: 0, invalid: 27, tampered: 39 * 7 - 2 * 2, refusedGroups: 44, refusedCases: 250,
  });
});

test('Wycheproof PBKDF2-HMAC-SHA256: all 60 vectors', () => {
  const file = load('pbkdf2_hmacsha256_test.json');
  let ran = 0;
  for (const c of file.testGroups.flatMap((g) => g.tests)) {
    assert.equal(c.result, 'valid');
    const dk = primitives.pbkdf2HmacSha256(hex(c.password), hex(c.salt), c.iterationCount, c.dkLen);
    assert.equal(Buffer.from(dk).toString('hex'), c.dk.toLowerCase(), `tcId ${c.tcId}`);
    ran++;
  }
  assert.equal(ran, 60);
  assert.equal(ran, file.numberOfTests);
});

test('the WebCrypto password key equals the core\'s PBKDF2', async () => {
  const { derivePasswordKey } = require('../lib/kdf.js');
  const salt = hex('000102030405060708090a0b0c0d0e0f');
  for (const password of ['Fake-Passw0rd!', 'ünïcødé-fake-🔑', 'x']) {
    const web = await derivePasswordKey(password, salt, 1000);
    const core = primitives.pbkdf2HmacSha256(new TextEncoder().encode(password), salt, 1000, 32);
    assert.deepEqual(Buffer.from(web), Buffer.from(core));
  }
});
