'use strict';
// Shared by the package's tests: temp vault folders, the real `agent`
// binary, and snapshots of a folder's bytes. Every password and value
// here is fake, made up for these tests.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '..', '..');
const PACKAGE = path.resolve(__dirname, '..');
/** The CLI under test: $AGENT_BIN, else the debug build scripts/test.sh makes. */
const AGENT = process.env.AGENT_BIN || path.join(REPO, 'target', 'debug', 'agent');
const PASSWORD = 'Fake-Test-Passw0rd!';
const ITERATIONS = '100000';

/** A fresh temp folder, removed when the test ends. */
function tempDir(t, prefix = 'agent-secrets-npm-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An environment for child processes: no inherited secrets or vault settings. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AGENT_SECRETS_') && !/_API_KEY$|_KEY$/.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs `agent ARGS` synchronously; the password comes from the environment, never argv. */
function agent(args, { password = PASSWORD, input, env = {} } = {}) {
  const r = spawnSync(AGENT, args, {
    env: cleanEnv({ AGENT_SECRETS_PASSWORD: password, ...env }),
    input,
    encoding: 'utf8',
  });
  // A child that exits before it reads its input (a refusal that comes
  // first) makes the write of that input fail with EPIPE; what it did is
  // still in its exit code and output.
  if (r.error && !(r.error.code === 'EPIPE' && r.status !== null)) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `agent ARGS` and resolves with its result (for concurrent runs). */
function agentAsync(args, { password = PASSWORD, input, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(AGENT, args, {
      env: cleanEnv({ AGENT_SECRETS_PASSWORD: password, ...env }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input === undefined ? '' : input);
  });
}

/** A vault made by the CLI in a temp folder: its path. */
function cliVault(t, secrets = []) {
  const dir = path.join(tempDir(t), 'secrets');
  const init = agent(['--dir', dir, 'secret', 'init', '--iterations', ITERATIONS]);
  if (init.code !== 0) throw new Error(`agent init failed: ${init.stderr}`);
  for (const [service, key, value] of secrets) {
    const r = agent(['--dir', dir, 'secret', 'set', service, key, '--value-stdin'], { input: value });
    if (r.code !== 0) throw new Error(`agent set failed: ${r.stderr}`);
  }
  return dir;
}

/** Every file of a folder and its bytes (to show nothing changed). */
function snapshot(dir, { except = [] } = {}) {
  const out = {};
  if (!fs.existsSync(dir)) return out;
  for (const name of fs.readdirSync(dir).sort()) {
    if (except.includes(name)) continue;
    out[name] = fs.readFileSync(path.join(dir, name)).toString('base64');
  }
  return out;
}

/** The audit log's lines as objects. */
function auditLines(dir) {
  const file = path.join(dir, 'audit.log');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

module.exports = {
  REPO, PACKAGE, AGENT, PASSWORD, ITERATIONS,
  tempDir, cleanEnv, agent, agentAsync, cliVault, snapshot, auditLines,
};
