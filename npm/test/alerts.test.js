'use strict';
// Failed-unlock alerts (config.json `alerts` thresholds, the user's own
// alert command) and a corrupt state.json, as the CLI handles them: the
// core decides, the package warns and runs the command — never one from
// the vault folder.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const secrets = require('..');
const { PASSWORD, agent, auditLines, cleanEnv, cliVault, tempDir } = require('./helpers.js');

const VALUE = 'sk-fake-alerts-0123456789';
const WRONG = 'Wrong-Fake-Passw0rd';

/** Collects the AgentSecretsWarning messages emitted while `f` runs. */
async function warningsOf(f) {
  const seen = [];
  const on = (w) => { if (w.name === 'AgentSecretsWarning') seen.push(w.message); };
  process.on('warning', on);
  try {
    await f();
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  } finally {
    process.off('warning', on);
  }
  return seen;
}

/** The vault's alert thresholds, set as the owner sets them: with the password. */
function setAlerts(dir, { failed_unlocks: after, window_seconds: window }) {
  const r = agent(['--dir', dir, 'secret', 'config', '--alert-after', String(after),
    '--alert-window', String(window)]);
  assert.equal(r.code, 0, r.stderr);
}

/** Alerts with a command, planted by hand in config.json (which then fails its MAC). */
function plantAlerts(dir, alerts) {
  const configFile = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  config.alerts = alerts;
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
}

/** The user configuration file under a new XDG_CONFIG_HOME: that folder. */
function userConfig(t, content, mode = 0o600) {
  const xdg = tempDir(t);
  fs.mkdirSync(path.join(xdg, 'agent-secrets'));
  const file = path.join(xdg, 'agent-secrets', 'config.json');
  fs.writeFileSync(file, JSON.stringify(content));
  fs.chmodSync(file, mode);
  return xdg;
}

/** A command that writes its environment to `file` (existence: it ran). */
function envDump(file) {
  return [process.execPath, '-e', 'require("node:fs").writeFileSync(process.argv[1], JSON.stringify(process.env))', file];
}

test('alerts: two failed opens raise one alert line and run the user\'s command; a third does not', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  const out = tempDir(t);
  const stdinFile = path.join(out, 'stdin.json');
  const envFile = path.join(out, 'env.json');
  const script = [
    "const fs = require('node:fs');",
    'fs.writeFileSync(process.argv[1], fs.readFileSync(0));',
    'fs.writeFileSync(process.argv[2], JSON.stringify({',
    "  password: 'AGENT_SECRETS_PASSWORD' in process.env,",
    "  newPassword: 'AGENT_SECRETS_NEW_PASSWORD' in process.env }));",
  ].join('\n');
  setAlerts(dir, { failed_unlocks: 2, window_seconds: 3600 });
  const xdg = userConfig(t, { alerts: { command: [process.execPath, '-e', script, stdinFile, envFile] } });
  const processEnv = cleanEnv({
    AGENT_SECRETS_PASSWORD: WRONG, AGENT_SECRETS_NEW_PASSWORD: WRONG, XDG_CONFIG_HOME: xdg,
  });
  const open = () => assert.rejects(secrets.openVault({ dir, processEnv }), { code: 'WRONG_PASSWORD' });
  const alerts = () => auditLines(dir).filter((l) => l.operation === 'alert');

  assert.deepEqual(await warningsOf(open), []);
  assert.equal(alerts().length, 0);
  assert.ok(!fs.existsSync(stdinFile), 'no command below the threshold');

  const warnings = await warningsOf(open);
  assert.deepEqual(warnings, ['ALERT: 2 or more failed unlocks within 3600 s on this vault.']);
  const lines = alerts();
  assert.equal(lines.length, 1);
  assert.equal(lines[0].status, 'failed');
  assert.equal(lines[0].source, 'node');
  const stdin = fs.readFileSync(stdinFile, 'utf8');
  assert.ok(stdin.endsWith('\n') && stdin.indexOf('\n') === stdin.length - 1, 'one JSON line');
  assert.deepEqual(JSON.parse(stdin), lines[0]);
  assert.equal(JSON.parse(stdin).operation, 'alert');
  assert.deepEqual(JSON.parse(fs.readFileSync(envFile, 'utf8')), { password: false, newPassword: false });
  for (const w of warnings) assert.ok(!w.includes(WRONG) && !w.includes(VALUE));
  assert.ok(!stdin.includes(WRONG) && !stdin.includes(VALUE));

  fs.rmSync(stdinFile);
  assert.deepEqual(await warningsOf(open), [], 'one alert per burst');
  assert.equal(alerts().length, 1);
  assert.ok(!fs.existsSync(stdinFile));
  // The right password still opens the vault (the lockout has 5 attempts).
  const vault = await secrets.openVault({ dir, password: PASSWORD });
  vault.close();
});

test('state.json corrupt: a warning from the core, the counter starts again, the vault opens', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  fs.writeFileSync(path.join(dir, 'state.json'), 'not json {{{');
  let vault;
  const warnings = await warningsOf(async () => {
    vault = await secrets.openVault({ dir, password: PASSWORD });
  });
  t.after(() => vault.close());
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /state\.json/);
  assert.match(warnings[0], /The lockout counter starts again from zero; the file is rewritten by this attempt\.$/);
  assert.ok(!warnings[0].includes(PASSWORD) && !warnings[0].includes('{{{'));
  assert.equal(vault.get('openai', 'api_key'), VALUE);
  // A wrong password rewrites it, counting from zero.
  await assert.rejects(secrets.openVault({ dir, password: WRONG }),
    { code: 'WRONG_PASSWORD', message: 'Incorrect password. 4 attempts remaining.' });
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).failed_attempts, 1);
});

test('alerts: a command planted in the vault\'s config.json never runs, right password or wrong; the package warns', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  const marker = path.join(tempDir(t), 'planted-ran.json');
  plantAlerts(dir, { failed_unlocks: 1, window_seconds: 3600, command: envDump(marker) });
  const soon = new Date(Date.now() + 1800 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({
    format: 'agent-secrets/state', version: 1, failed_attempts: 0, in_flight: 0, lockouts: 1,
    locked_until: soon, last_failure_at: null, last_attempt_at: null,
  }));
  const ignored = /^config\.json has an "alerts" "command", which is never run/;
  for (const password of [PASSWORD, WRONG]) {
    const processEnv = cleanEnv({ AGENT_SECRETS_PASSWORD: password });
    const warnings = await warningsOf(() => assert.rejects(secrets.openVault({ dir, processEnv }), { code: 'LOCKED' }));
    assert.ok(!fs.existsSync(marker), 'the planted command ran');
    assert.ok(warnings.some((w) => ignored.test(w)), JSON.stringify(warnings));
  }
  assert.equal(auditLines(dir).filter((l) => l.operation === 'alert').length, 1, 'the thresholds still alert');
  // Not locked: the right password finds the hand edit (config.json fails
  // its MAC, INTEGRITY), warns, and still runs nothing.
  fs.rmSync(path.join(dir, 'state.json'));
  const warnings = await warningsOf(() => assert.rejects(secrets.openVault({ dir, password: PASSWORD }),
    (e) => e.code === 'INTEGRITY' && /^config\.json: its MAC does not verify/.test(e.message)));
  assert.ok(warnings.some((w) => ignored.test(w)), JSON.stringify(warnings));
  assert.ok(!fs.existsSync(marker));
});

test('alerts: a user configuration others can write, or a symlink, is refused with a warning and not run', async (t) => {
  const marker = path.join(tempDir(t), 'ran.json');
  const content = { alerts: { command: envDump(marker) } };
  const failOnce = async (xdg) => {
    const dir = cliVault(t, []);
    setAlerts(dir, { failed_unlocks: 1, window_seconds: 3600 });
    const processEnv = cleanEnv({ AGENT_SECRETS_PASSWORD: WRONG, XDG_CONFIG_HOME: xdg });
    return warningsOf(() => assert.rejects(secrets.openVault({ dir, processEnv }), { code: 'WRONG_PASSWORD' }));
  };
  const writable = userConfig(t, content, 0o620);
  const file = path.join(writable, 'agent-secrets', 'config.json');
  let warnings = await failOnce(writable);
  assert.ok(!fs.existsSync(marker), 'a group-writable file was obeyed');
  assert.ok(warnings.includes(`${file} can be written by group or others (mode 0620); fix: chmod go-w ${file}; ` +
    'no alert command is run.'), JSON.stringify(warnings));

  const linked = tempDir(t);
  fs.mkdirSync(path.join(linked, 'agent-secrets'));
  fs.chmodSync(file, 0o600);
  fs.symlinkSync(file, path.join(linked, 'agent-secrets', 'config.json'));
  warnings = await failOnce(linked);
  assert.ok(!fs.existsSync(marker), 'a symlinked file was obeyed');
  assert.ok(warnings.some((w) => w.includes('is a symbolic link')), JSON.stringify(warnings));

  // The same file, fixed, is obeyed; its command gets no password.
  warnings = await failOnce(writable);
  const env = JSON.parse(fs.readFileSync(marker, 'utf8'));
  assert.equal(env.AGENT_SECRETS_PASSWORD, undefined);
  assert.ok(!JSON.stringify(env).includes(WRONG));
});

test('alerts: AGENT_SECRETS_ALERT_COMMAND wins over the file; a value that is not a JSON array is refused', async (t) => {
  const fromFile = path.join(tempDir(t), 'file.json');
  const fromEnv = path.join(tempDir(t), 'env.json');
  const xdg = userConfig(t, { alerts: { command: envDump(fromFile) } });
  const failOnce = async (command) => {
    const dir = cliVault(t, []);
    setAlerts(dir, { failed_unlocks: 1, window_seconds: 3600 });
    const processEnv = cleanEnv({
      AGENT_SECRETS_PASSWORD: WRONG, XDG_CONFIG_HOME: xdg, AGENT_SECRETS_ALERT_COMMAND: command,
    });
    return warningsOf(() => assert.rejects(secrets.openVault({ dir, processEnv }), { code: 'WRONG_PASSWORD' }));
  };
  await failOnce(JSON.stringify(envDump(fromEnv)));
  assert.ok(fs.existsSync(fromEnv) && !fs.existsSync(fromFile));
  assert.equal(JSON.parse(fs.readFileSync(fromEnv, 'utf8')).AGENT_SECRETS_PASSWORD, undefined);
  fs.rmSync(fromEnv);
  const warnings = await failOnce(`touch ${fromEnv}`);
  assert.ok(warnings.includes('AGENT_SECRETS_ALERT_COMMAND: invalid JSON; no alert command is run.'),
    JSON.stringify(warnings));
  assert.ok(!fs.existsSync(fromEnv) && !fs.existsSync(fromFile));
});
