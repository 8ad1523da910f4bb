'use strict';
// The vault folder's rules in the package, as in the CLI (docs/format.md
// §2, "Ownership and file types"): what someone who can write the folder
// plants there — a link, a FIFO, a folder, a huge file, a group-writable
// or foreign file — is refused with the core's message naming it and the
// fix, at once. Each case runs in a fresh `node` with a time limit, so
// that a read blocked on a FIFO fails the test instead of hanging the run.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { PACKAGE, PASSWORD, agent, cleanEnv, cliVault, tempDir } = require('./helpers.js');

/** Longer than any case takes; shorter than forever. */
const LIMIT_MS = 60_000;
const NOBODY = 65534;

/**
 * Runs `body` (an async function body with `secrets`, `dir` and `warnings`
 * in scope) in a fresh node, as `prefix` (e.g. setpriv) if given. Returns
 * `{ value }` or `{ error: { code, message } }`, and the warnings.
 */
function inChild(dir, body, prefix = []) {
  const script = `
    const warnings = [];
    process.on('warning', (w) => { if (w.name === 'AgentSecretsWarning') warnings.push(w.message); });
    const secrets = require(${JSON.stringify(PACKAGE)});
    const dir = process.argv[1];
    (async () => { ${body} })().then(
      (value) => ({ value }),
      (e) => ({ error: { code: e.code, message: e.message } }),
    ).then((out) => setImmediate(() => process.stdout.write(JSON.stringify({ ...out, warnings }))));`;
  const argv = [...prefix, process.execPath, '-e', script, dir];
  const r = spawnSync(argv[0], argv.slice(1), { env: cleanEnv(), encoding: 'utf8', timeout: LIMIT_MS });
  assert.equal(r.signal, null, `node did not return within ${LIMIT_MS} ms: it hung`);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const GET = `
  const vault = await secrets.openVault({ dir, password: ${JSON.stringify(PASSWORD)}, lockTimeoutMs: 500 });
  try { return vault.get('openai', 'api_key'); } finally { vault.close(); }`;

function mkfifo(file) {
  const r = spawnSync('mkfifo', [file]);
  assert.equal(r.status, 0, `mkfifo ${file}`);
}

/** Regular files and their bytes; other entries by type (reading a FIFO would hang the test). */
function filesOf(dir) {
  const out = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const st = fs.lstatSync(path.join(dir, name));
    out[name] = st.isFile() ? fs.readFileSync(path.join(dir, name)).toString('base64') : `not a file ${st.mode}`;
  }
  return out;
}

function vault(t) {
  return cliVault(t, [['openai', 'api_key', 'sk-fake-npm-rules-1'], ['stripe', 'secret_key', 'sk-fake-npm-rules-2']]);
}

/** Puts a FIFO, a link to a valid copy outside, or a folder in place of `name`. */
function plant(dir, name, kind) {
  const file = path.join(dir, name);
  const copy = path.join(path.dirname(dir), `copy-of-${name}`);
  fs.copyFileSync(file, copy);
  fs.rmSync(file);
  if (kind === 'fifo') mkfifo(file);
  else if (kind === 'link') fs.symlinkSync(copy, file);
  else fs.mkdirSync(file);
}

test('an audit.log link is not written through: the line is refused with a warning', (t) => {
  const dir = vault(t);
  const outside = path.join(tempDir(t), 'outside.txt');
  fs.writeFileSync(outside, 'precious\n');
  fs.rmSync(path.join(dir, 'audit.log'));
  fs.symlinkSync(outside, path.join(dir, 'audit.log'));
  const out = inChild(dir, GET);
  assert.equal(out.value, 'sk-fake-npm-rules-1');
  assert.equal(out.warnings.length, 1, JSON.stringify(out.warnings));
  assert.ok(out.warnings[0].startsWith(
    `the audit line was not written: ${dir}/audit.log is a symbolic link, not a regular file`), out.warnings[0]);
  assert.equal(fs.readFileSync(outside, 'utf8'), 'precious\n');
  assert.ok(fs.lstatSync(path.join(dir, 'audit.log')).isSymbolicLink());
});

test('a FIFO as .lock fails a write at once, with the core\'s message', (t) => {
  const dir = vault(t);
  mkfifo(path.join(dir, '.lock'));
  const before = filesOf(dir);
  const out = inChild(dir, `
    const vault = await secrets.openVault({ dir, password: ${JSON.stringify(PASSWORD)}, lockTimeoutMs: 500 });
    try { return vault.set('openai', 'api_key', 'sk-fake-new'); } finally { vault.close(); }`);
  assert.equal(out.error.code, 'IO');
  assert.equal(out.error.message, `${dir}/.lock is a FIFO (named pipe), not a regular file; it was not opened ` +
    `for reading or writing. Fix: remove it (\`rm ${dir}/.lock\`) or move it out of the folder; restore the file from a backup if it held one.`);
  assert.deepEqual(filesOf(dir), before, 'nothing changed');
  // The CLI says the same words.
  const r = agent(['--dir', dir, 'secret', 'set', 'openai', 'api_key', '--value-stdin'],
    { input: 'sk-fake-new', env: { AGENT_SECRETS_LOCK_TIMEOUT_MS: '500' } });
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`\nerror: ${out.error.message}\n`), r.stderr);
});

test('config.json or a service document as a FIFO, a link to a valid copy, or a folder: refused by name', (t) => {
  const words = { fifo: 'a FIFO (named pipe)', link: 'a symbolic link', folder: 'a folder' };
  for (const name of ['config.json', 'openai.json']) {
    for (const kind of ['fifo', 'link', 'folder']) {
      const dir = vault(t);
      plant(dir, name, kind);
      const out = inChild(dir, GET);
      assert.equal(out.error && out.error.code, 'IO', `${name} ${kind}: ${JSON.stringify(out)}`);
      assert.ok(out.error.message.startsWith(`${dir}/${name} is ${words[kind]}, not a regular file`), out.error.message);
    }
  }
});

test('list reports a service document that is not a file and lists the others', (t) => {
  const dir = vault(t);
  plant(dir, 'stripe.json', 'fifo');
  const out = inChild(dir, 'return secrets.list(undefined, { dir });');
  assert.deepEqual(out.value.services.map((s) => s.service), ['openai']);
  assert.equal(out.value.problems.length, 1);
  assert.ok(out.value.problems[0].message.startsWith(`${dir}/stripe.json is a FIFO (named pipe)`),
    JSON.stringify(out.value.problems));
});

test('documents over their cap are refused without being read', (t) => {
  const cases = [
    ['config.json', 2 ** 20 + 1, '1048577 bytes, more than the 1048576 bytes config.json may hold'],
    ['openai.json', 2 ** 28 + 1, '268435457 bytes, more than the 268435456 bytes a service document may hold'],
  ];
  for (const [name, size, words] of cases) {
    const dir = vault(t);
    fs.truncateSync(path.join(dir, name), size); // sparse: no disk used
    const out = inChild(dir, GET);
    assert.equal(out.error && out.error.code, 'IO', JSON.stringify(out));
    assert.equal(out.error.message, `${dir}/${name} is ${words}; it was not read. Fix: restore ${dir}/${name} from a backup.`);
  }
});

test('a folder or file writable by others, or owned by another user, is refused with its fix', (t) => {
  const dir = vault(t);
  const before = filesOf(dir);
  fs.chmodSync(dir, 0o777);
  let out = inChild(dir, GET);
  assert.equal(out.error.message, `${dir}/ is writable by group and others (mode 0777): another user could ` +
    `replace what agent secrets reads. Fix: \`chmod 700 ${dir}/\`.`);
  assert.deepEqual(filesOf(dir), before, 'not even an audit line');
  fs.chmodSync(dir, 0o700);
  fs.chmodSync(path.join(dir, 'config.json'), 0o666);
  out = inChild(dir, GET);
  assert.ok(out.error.message.endsWith(`Fix: \`chmod 600 ${dir}/config.json\`.`), out.error.message);
  fs.chmodSync(path.join(dir, 'config.json'), 0o600);
  fs.chownSync(dir, NOBODY, NOBODY);
  out = inChild(dir, 'return secrets.list(undefined, { dir });');
  assert.equal(out.error.code, 'IO');
  assert.ok(out.error.message.startsWith(`${dir}/ is owned by uid ${NOBODY}, not by you (uid 0) or root`), out.error.message);
  assert.ok(out.error.message.includes(`Fix: \`chown -R 0 ${dir}/\` (as root)`), out.error.message);
  fs.chownSync(dir, 0, 0);
  assert.equal(inChild(dir, GET).value, 'sk-fake-npm-rules-1');
});

test('a vault root owns is accepted for another user; one of a third user is not', (t) => {
  const dir = vault(t);
  // Let nobody reach and read a vault root owns (never writable by it).
  fs.chmodSync(path.dirname(dir), 0o755);
  fs.chmodSync(dir, 0o755);
  for (const name of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, name), 0o644);
  const asNobody = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'];
  const body = 'return secrets.list(undefined, { dir }).services.map((s) => s.service);';
  assert.deepEqual(inChild(dir, body, asNobody).value, ['openai', 'stripe']);
  for (const name of fs.readdirSync(dir)) fs.chownSync(path.join(dir, name), 1000, 1000);
  fs.chownSync(dir, 1000, 1000);
  const out = inChild(dir, body, asNobody);
  assert.ok(out.error.message.startsWith(`${dir}/ is owned by uid 1000, not by you (uid ${NOBODY}) or root`),
    JSON.stringify(out));
});
