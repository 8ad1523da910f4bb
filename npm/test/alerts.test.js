'use strict';
// Failed-unlock alerts (config.json `alerts`, set with the password) and a
// corrupt state.json, as the CLI handles them: the core decides, the
// package warns.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const secrets = require('..');
const { PASSWORD, agent, auditLines, cleanEnv, cliVault } = require('./helpers.js');

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

test('alerts: two failed opens raise one alert line; a third does not', async (t) => {
  const dir = cliVault(t, [['openai', 'api_key', VALUE]]);
  // Thresholds only through the password-checked command: config.json is MAC'ed.
  const set = agent(['--dir', dir, 'secret', 'config', '--alert-after', '2', '--alert-window', '3600']);
  assert.equal(set.code, 0, set.stderr);
  const processEnv = cleanEnv({ AGENT_SECRETS_PASSWORD: WRONG, AGENT_SECRETS_NEW_PASSWORD: WRONG });
  const open = () => assert.rejects(secrets.openVault({ dir, processEnv }), { code: 'WRONG_PASSWORD' });
  const alerts = () => auditLines(dir).filter((l) => l.operation === 'alert');

  assert.deepEqual(await warningsOf(open), []);
  assert.equal(alerts().length, 0);

  const warnings = await warningsOf(open);
  assert.deepEqual(warnings, ['ALERT: 2 or more failed unlocks within 3600 s on this vault.']);
  const lines = alerts();
  assert.equal(lines.length, 1);
  assert.equal(lines[0].status, 'failed');
  assert.equal(lines[0].source, 'node');
  assert.equal(lines[0].mac, undefined, 'written without the password: no MAC');
  for (const w of warnings) assert.ok(!w.includes(WRONG) && !w.includes(VALUE));

  assert.deepEqual(await warningsOf(open), [], 'one alert per burst');
  assert.equal(alerts().length, 1);
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
