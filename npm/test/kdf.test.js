'use strict';
// The password key of the published build: WebCrypto's, the core's
// fallback (`deriveKey`) and Node's own PBKDF2 agree, and the fallback takes
// only a recipient's parameters. The package's public surface holds no raw
// primitive: the Wycheproof vectors run through the core natively
// (core/tests/wycheproof.rs) and through the wasm crate under Node
// (wasm/tests/wycheproof.rs), both built with the `hazmat` feature that
// this package's wasm never has.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const { loaded } = require('../lib/wasm.js');
const { derivePasswordKey } = require('../lib/kdf.js');

const SALT = new Uint8Array(Buffer.from('0123456789abcdef'));
const ITERATIONS = 100_000;
const hex = (bytes) => Buffer.from(bytes).toString('hex');

test('the password key: WebCrypto, the core\'s fallback and Node\'s PBKDF2 give the same 32 bytes', async () => {
  for (const password of ['Fake-Passw0rd!', 'ünïcødé-fake-🔑', 'x']) {
    const web = await derivePasswordKey(password, SALT, ITERATIONS);
    const fallback = loaded().deriveKey(password, SALT, ITERATIONS);
    const node = crypto.pbkdf2Sync(Buffer.from(password, 'utf8'), SALT, ITERATIONS, 32, 'sha256');
    assert.equal(web.length, 32);
    assert.equal(hex(fallback), hex(web), password);
    assert.equal(hex(node), hex(web), password);
  }
  // A fixed answer, so a change in all three at once would show too
  // (Python's hashlib.pbkdf2_hmac gives the same; wasm/tests/vault.rs pins it as well).
  assert.equal(hex(loaded().deriveKey('pässwörd', SALT, ITERATIONS)),
    'a54b063bc62778a12e4f89a579e57f8fec3198afd852147ed17ee3700afe5e30');
});

test('the fallback refuses parameters no recipient has, before any work', () => {
  const refused = (salt, iterations) => {
    assert.throws(() => loaded().deriveKey('Fake-Passw0rd!', salt, iterations),
      (e) => e.name === 'AgentSecretsError' && e.code === 'INVALID_INPUT');
  };
  refused(SALT.subarray(0, 8), ITERATIONS);
  refused(new Uint8Array(17), ITERATIONS);
  refused(SALT, 1);
  refused(SALT, 99_999);
  refused(SALT, 10_000_001);
});

test('neither the package nor its wasm exports a raw primitive', () => {
  const pkg = require('..');
  assert.deepEqual(Object.keys(pkg).sort(), [
    'AgentSecretsError', 'Vault', 'codes', 'defaultDir', 'envVarsFor', 'list', 'loadEnv',
    'openVault', 'providerConfig', 'resolve', 'status',
  ]);
  const wasm = loaded();
  for (const name of ['pbkdf2HmacSha256', 'aes256GcmSeal', 'aes256GcmOpen']) {
    assert.equal(wasm[name], undefined, `${name} is not in the package's wasm`);
  }
  assert.equal(typeof wasm.deriveKey, 'function');
});
