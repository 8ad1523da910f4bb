'use strict';
// Failed-unlock alerts (config.json `alerts`) and a corrupt state.json,
// as the CLI handles them: the core decides, the package warns and runs
// the command.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const secrets = require('..');
const { PASSWORD, auditLines, cleanEnv, cliVault, tempDir } = require('./helpers.js');

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

test('alerts: two failed opens raise one alert line and run the command; a third does not', async (t) => {
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
  const configFile = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  config.alerts = {
    failed_unlocks: 2, window_seconds: 3600,
    command: [process.execPath, '-e', script, stdinFile, envFile],
  };
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const processEnv = cleanEnv({ AGENT_SECRETS_PASSWORD: WRONG, AGENT_SECRETS_NEW_PASSWORD: WRONG });
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
  assert.match(warnings[0], /The lockout counter starts again from zero; the file is rewritten at the next failed attempt\.$/);
  assert.ok(!warnings[0].includes(PASSWORD) && !warnings[0].includes('{{{'));
  assert.equal(vault.get('openai', 'api_key'), VALUE);
  // A wrong password rewrites it, counting from zero.
  await assert.rejects(secrets.openVault({ dir, password: WRONG }),
    { code: 'WRONG_PASSWORD', message: 'Incorrect password. 4 attempts remaining.' });
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).failed_attempts, 1);
});
