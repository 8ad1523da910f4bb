'use strict';
// loadEnv, resolve and providerConfig: the CLI's env mapping (built-ins,
// rules, the vault's user mapping), vault first, then the environment.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const secrets = require('..');
const { PASSWORD, agent, cliVault, tempDir, auditLines } = require('./helpers.js');

const FIXTURE = [
  ['openai', 'api_key', 'sk-fake-openai'],
  ['gemini', 'api_key', 'fake-gemini'],
  ['supabase', 'anon_key', 'fake-anon'],
  ['my-api', 'token.v2', 'fake-token'],
  ['app', 'DATABASE_URL', 'postgres://fake@localhost/db'],
];

test('loadEnv fills the environment with the mapped variables, like dotenv.config()', async (t) => {
  const dir = cliVault(t, FIXTURE);
  const env = { AGENT_SECRETS_PASSWORD: PASSWORD, PATH: '/usr/bin', OPENAI_API_KEY: 'already-set' };
  const result = await secrets.loadEnv({ dir, processEnv: env });
  assert.deepEqual(env, {
    AGENT_SECRETS_PASSWORD: PASSWORD,
    PATH: '/usr/bin',
    OPENAI_API_KEY: 'already-set', // kept: override is false by default
    DATABASE_URL: 'postgres://fake@localhost/db',
    GEMINI_API_KEY: 'fake-gemini',
    GOOGLE_GEMINI_API_KEY: 'fake-gemini',
    MY_API_TOKEN_V2: 'fake-token',
    SUPABASE_ANON_KEY: 'fake-anon',
  });
  assert.deepEqual(result.loaded.sort(),
    ['DATABASE_URL', 'GEMINI_API_KEY', 'GOOGLE_GEMINI_API_KEY', 'MY_API_TOKEN_V2', 'SUPABASE_ANON_KEY']);
  assert.deepEqual(result.skipped, ['OPENAI_API_KEY']);
  assert.ok(!JSON.stringify(result).includes('fake'), 'the result names variables, never values');

  const overridden = { OPENAI_API_KEY: 'already-set' };
  const r2 = await secrets.loadEnv({ dir, password: PASSWORD, processEnv: overridden, override: true, services: ['openai'] });
  assert.deepEqual(overridden, { OPENAI_API_KEY: 'sk-fake-openai' });
  assert.deepEqual(r2, { loaded: ['OPENAI_API_KEY'], skipped: [] });

  const lines = auditLines(dir).filter((l) => l.source === 'node').map((l) => [l.operation, l.service, l.status]);
  assert.deepEqual(lines, [['run', undefined, 'success'], ['run', 'openai', 'success']]);
});

test('loadEnv fills process.env by default and honours the vault\'s user mapping', async (t) => {
  const dir = cliVault(t, [['stripe', 'secret_key', 'sk_fake_stripe']]);
  // The mapping is set with the password (config.json is MAC'ed).
  const mapped = agent(['--dir', dir, 'secret', 'env', '--map', 'stripe/secret_key=STRIPE_KEY,STRIPE_SK']);
  assert.equal(mapped.code, 0, mapped.stderr);
  for (const v of ['STRIPE_KEY', 'STRIPE_SK', 'STRIPE_SECRET_KEY']) delete process.env[v];
  t.after(() => { delete process.env.STRIPE_KEY; delete process.env.STRIPE_SK; });
  const r = await secrets.loadEnv({ dir, password: PASSWORD });
  assert.deepEqual(r.loaded, ['STRIPE_KEY', 'STRIPE_SK']);
  assert.equal(process.env.STRIPE_KEY, 'sk_fake_stripe');
  assert.equal(process.env.STRIPE_SK, 'sk_fake_stripe');
  assert.equal(process.env.STRIPE_SECRET_KEY, undefined);
  assert.deepEqual(secrets.envVarsFor('stripe', 'secret_key'), ['STRIPE_SECRET_KEY'], 'without a vault: the rule');
});

test('loadEnv with an unknown service or a bad option changes nothing', async (t) => {
  const dir = cliVault(t, FIXTURE);
  const env = {};
  await assert.rejects(secrets.loadEnv({ dir, password: PASSWORD, processEnv: env, services: ['stripe'] }),
    { code: 'NOT_FOUND', message: "Service 'stripe' not configured." });
  await assert.rejects(secrets.loadEnv({ dir, password: PASSWORD, processEnv: env, services: ['Bad/Name'] }),
    { code: 'INVALID_NAME' });
  await assert.rejects(secrets.loadEnv({ dir, password: PASSWORD, processEnv: env, override: 'yes' }),
    { code: 'INVALID_INPUT', message: 'override must be true or false.' });
  assert.deepEqual(env, {});
});

test('resolve: vault first, then the mapped variables, with the source', async (t) => {
  const dir = cliVault(t, FIXTURE);
  const processEnv = { AGENT_SECRETS_PASSWORD: PASSWORD, OPENAI_API_KEY: 'env-openai', GOOGLE_GEMINI_API_KEY: 'env-gemini', ANTHROPIC_API_KEY: 'env-anthropic', STRIPE_SECRET_KEY: '' };
  assert.deepEqual(await secrets.resolve('openai', 'api_key', { dir, processEnv }), { value: 'sk-fake-openai', source: 'vault' });
  assert.deepEqual(await secrets.resolve('anthropic', 'api_key', { dir, processEnv }),
    { value: 'env-anthropic', source: 'env', variable: 'ANTHROPIC_API_KEY' });
  await assert.rejects(secrets.resolve('stripe', 'secret_key', { dir, processEnv }),
    { code: 'NOT_FOUND', message: "Service 'stripe' not configured." }, 'an empty variable counts as unset');
  const statuses = auditLines(dir).filter((l) => l.operation === 'get').map((l) => l.status);
  assert.deepEqual(statuses, ['success', 'env_fallback', 'not_found']);

  // No vault: the environment only, and NOT_INITIALIZED when it lacks the variable too (like `agent secret get`).
  const none = path.join(tempDir(t), 'none');
  assert.deepEqual(await secrets.resolve('gemini', 'api_key', { dir: none, processEnv }),
    { value: 'env-gemini', source: 'env', variable: 'GOOGLE_GEMINI_API_KEY' });
  await assert.rejects(secrets.resolve('supabase', 'anon_key', { dir: none, processEnv }), { code: 'NOT_INITIALIZED' });
  assert.ok(!fs.existsSync(none));
});

test('providerConfig: each credential with its source, the missing ones named', async (t) => {
  const dir = cliVault(t, FIXTURE);
  const processEnv = { AGENT_SECRETS_PASSWORD: PASSWORD, SUPABASE_SERVICE_ROLE_KEY: 'env-role' };
  assert.deepEqual(await secrets.providerConfig('supabase', { dir, processEnv }), {
    provider: 'supabase',
    credentials: {
      service_role_key: { value: 'env-role', source: 'env', variable: 'SUPABASE_SERVICE_ROLE_KEY' },
      anon_key: { value: 'fake-anon', source: 'vault' },
    },
    missing: [],
  });
  assert.deepEqual(await secrets.providerConfig('anthropic', { dir, processEnv }),
    { provider: 'anthropic', credentials: {}, missing: ['api_key'] });
  await assert.rejects(secrets.providerConfig('stripe', { dir, processEnv }),
    { code: 'NOT_FOUND', message: "Service 'stripe' not configured." });
  const none = path.join(tempDir(t), 'none');
  assert.deepEqual(await secrets.providerConfig('openai', { dir: none, processEnv: { OPENAI_API_KEY: 'env-openai' } }),
    { provider: 'openai', credentials: { api_key: { value: 'env-openai', source: 'env', variable: 'OPENAI_API_KEY' } }, missing: [] });
  const vault = await secrets.openVault({ dir, processEnv });
  t.after(() => vault.close());
  assert.deepEqual(vault.providerConfig('openai').credentials.api_key, { value: 'sk-fake-openai', source: 'vault' });
});

test('loadEnv and envVars never set a variable that steers a loader, shell or interpreter; they warn', async (t) => {
  const value = 'sk-fake-preload-0b5e19';
  const dir = cliVault(t, [['app', 'LD_PRELOAD', value], ['app', 'NODE_OPTIONS', value], ['app', 'GOOD', 'fake-good']]);
  delete process.env.LD_PRELOAD;
  delete process.env.NODE_OPTIONS;
  delete process.env.GOOD;
  t.after(() => { delete process.env.LD_PRELOAD; delete process.env.NODE_OPTIONS; delete process.env.GOOD; });
  const warnings = [];
  const on = (w) => { if (w.name === 'AgentSecretsWarning') warnings.push(w.message); };
  process.on('warning', on);
  let result;
  try {
    result = await secrets.loadEnv({ dir, password: PASSWORD });
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', on);
  }
  assert.equal(process.env.LD_PRELOAD, undefined);
  assert.equal(process.env.NODE_OPTIONS, undefined);
  assert.equal(process.env.GOOD, 'fake-good');
  assert.deepEqual(result, { loaded: ['GOOD'], skipped: [] });
  assert.deepEqual(warnings.map((w) => w.split(' (')[0]).sort(), [
    'app/LD_PRELOAD: LD_PRELOAD is not set',
    'app/NODE_OPTIONS: NODE_OPTIONS is not set',
  ]);
  assert.ok(warnings[0].includes('a secret never sets it') && !warnings.join().includes(value));

  const vault = await secrets.openVault({ dir, password: PASSWORD });
  t.after(() => vault.close());
  assert.deepEqual(vault.envVars().map((v) => v.variable), ['GOOD']);
});
