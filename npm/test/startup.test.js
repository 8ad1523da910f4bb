'use strict';
// The cold start: the wasm module compiles in the background from
// `require` on, and still no key is derived before the core has checked
// the lockout; a failed open is audited, a successful one is not (each
// operation writes its own line). Each case runs in a fresh `node`, as a
// build script would.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');

const { PACKAGE, PASSWORD, auditLines, cleanEnv, cliVault } = require('./helpers.js');

const WRONG = 'Wrong-Fake-Passw0rd';

/**
 * Runs `body` (an async function body with `secrets`, `dir`, `calls` in
 * scope) in a fresh process. WebCrypto's deriveBits and importKey are
 * counted in `calls` before the package is required. Returns its JSON.
 */
function fresh(dir, body) {
  const script = `
    const calls = { deriveBits: 0, importKey: 0 };
    const subtle = globalThis.crypto.subtle;
    for (const name of Object.keys(calls)) {
      const original = subtle[name].bind(subtle);
      subtle[name] = (...args) => { calls[name] += 1; return original(...args); };
    }
    const secrets = require(${JSON.stringify(PACKAGE)});
    const dir = process.argv[1];
    (async () => { ${body} })().then(
      (out) => process.stdout.write(JSON.stringify(out)),
      (e) => { process.stderr.write(String(e && e.stack)); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script, dir], { env: cleanEnv(), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Five wrong passwords: the lockout runs (30 s). */
async function lockOut(dir) {
  const out = fresh(dir, `
    for (let i = 0; i < 5; i++) {
      try { await secrets.openVault({ dir, password: ${JSON.stringify(WRONG)} }); } catch (e) {}
    }
    return calls;`);
  assert.equal(out.deriveBits, 5, 'a wrong password is derived and tried');
}

test('locked out: a fresh process derives nothing, even with the right password, and the refusal is audited', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', 'sk-fake-startup']]);
  await lockOut(dir);
  const before = auditLines(dir).length;
  const out = fresh(dir, `
    let code;
    try { await secrets.openVault({ dir, password: ${JSON.stringify(PASSWORD)} }); } catch (e) { code = e.code; }
    return { code, calls };`);
  assert.deepEqual(out, { code: 'LOCKED', calls: { deriveBits: 0, importKey: 0 } });
  const lines = auditLines(dir).slice(before).map((l) => [l.operation, l.status, l.source]);
  assert.deepEqual(lines, [['unlock', 'locked', 'node']]);
});

test('loadEnv and resolve on a locked vault derive nothing either', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', 'sk-fake-startup']]);
  await lockOut(dir);
  const out = fresh(dir, `
    const codes = [];
    const password = ${JSON.stringify(PASSWORD)};
    for (const f of [() => secrets.loadEnv({ dir, password, processEnv: {} }),
                     () => secrets.resolve('openai', 'api_key', { dir, password }),
                     () => secrets.providerConfig('openai', { dir, password })]) {
      try { await f(); codes.push('none'); } catch (e) { codes.push(e.code); }
    }
    return { codes, calls };`);
  assert.deepEqual(out, { codes: ['LOCKED', 'LOCKED', 'LOCKED'], calls: { deriveBits: 0, importKey: 0 } });
});

test('a failed open is audited; a successful open writes no line, its operations do', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', 'sk-fake-startup']]);
  const before = auditLines(dir).length;
  const out = fresh(dir, `
    let code;
    try { await secrets.openVault({ dir, password: ${JSON.stringify(WRONG)} }); } catch (e) { code = e.code; }
    const vault = await secrets.openVault({ dir, password: ${JSON.stringify(PASSWORD)} });
    const value = vault.get('openai', 'api_key');
    vault.close();
    const idle = await secrets.openVault({ dir, password: ${JSON.stringify(PASSWORD)} });
    idle.close();
    return { code, value };`);
  assert.deepEqual(out, { code: 'WRONG_PASSWORD', value: 'sk-fake-startup' });
  const lines = auditLines(dir).slice(before).map((l) => [l.operation, l.status, l.source]);
  assert.deepEqual(lines, [['unlock', 'unauthorized', 'node'], ['get', 'success', 'node']]);
});

test('synchronous calls right after require compile the module on the spot; openVault then shares it', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', 'sk-fake-startup']]);
  const out = fresh(dir, `
    const vars = secrets.envVarsFor('openai', 'api_key');   // before the background compile can finish
    const listed = secrets.list(undefined, { dir }).services.map((s) => s.service);
    const vault = await secrets.openVault({ dir, password: ${JSON.stringify(PASSWORD)} });
    const value = vault.get('openai', 'api_key');
    vault.close();
    return { vars, listed, value, derived: calls.deriveBits };`);
  assert.deepEqual(out, { vars: ['OPENAI_API_KEY'], listed: ['openai'], value: 'sk-fake-startup', derived: 1 });
});

test('ES module entry: the background compile serves import as well', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', 'sk-fake-startup']]);
  const script = `
    import { openVault } from ${JSON.stringify(`${PACKAGE}/lib/index.mjs`)};
    const vault = await openVault({ dir: process.argv[1], password: ${JSON.stringify(PASSWORD)} });
    process.stdout.write(vault.get('openai', 'api_key'));
    vault.close();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir],
    { env: cleanEnv(), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'sk-fake-startup');
});
