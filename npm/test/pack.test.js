'use strict';
// `npm pack` produces a tarball that installs into an empty project
// (offline: the package has no dependencies) and works from require and
// import alike.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { PACKAGE, PASSWORD, cliVault, tempDir, cleanEnv } = require('./helpers.js');

const npm = (args, cwd) => execFileSync('npm', args, {
  cwd, encoding: 'utf8', env: cleanEnv({ npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' }),
});

test('the packed tarball installs into a fresh project and works with require and import', { timeout: 120_000 }, async (t) => {
  const out = tempDir(t);
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', out], PACKAGE));
  const files = packed.files.map((f) => f.path).sort();
  for (const f of ['index.d.ts', 'lib/index.js', 'lib/index.mjs', 'package.json', 'README.md',
    'wasm/agent_secrets_wasm.js', 'wasm/agent_secrets_wasm_bg.wasm']) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  assert.ok(!files.some((f) => f.startsWith('test/')), 'tests are not packed');

  const project = tempDir(t);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  npm(['install', '--offline', '--no-package-lock', path.join(out, packed.filename)], project);
  const installed = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'agent-secrets', 'package.json'), 'utf8'));
  assert.deepEqual(installed.dependencies, undefined, 'no runtime dependencies');

  const dir = cliVault(t, [['openai', 'api_key', 'sk-fake-packed']]);
  fs.writeFileSync(path.join(project, 'cjs.js'), `
    const { openVault, loadEnv, AgentSecretsError } = require('agent-secrets');
    (async () => {
      const vault = await openVault({ dir: process.argv[2] });
      const ok = vault.get('openai', 'api_key') === 'sk-fake-packed';
      vault.set('node-cjs', 'marker', 'set-from-cjs');
      vault.close();
      await loadEnv({ dir: process.argv[2] });
      const err = await openVault({ dir: process.argv[2] + '-missing' }).catch((e) => e);
      console.log(JSON.stringify({ ok, env: process.env.OPENAI_API_KEY === 'sk-fake-packed', code: err.code, cls: err instanceof AgentSecretsError }));
    })();
  `);
  fs.writeFileSync(path.join(project, 'esm.mjs'), `
    import secrets, { openVault, codes } from 'agent-secrets';
    const vault = await openVault({ dir: process.argv[2] });
    console.log(JSON.stringify({ value: vault.get('node-cjs', 'marker') === 'set-from-cjs', same: secrets.openVault === openVault, code: codes.LOCKED }));
    vault.close();
  `);
  const run = (file) => JSON.parse(execFileSync(process.execPath, [file, dir], {
    cwd: project, encoding: 'utf8', env: cleanEnv({ AGENT_SECRETS_PASSWORD: PASSWORD }),
  }));
  assert.deepEqual(run('cjs.js'), { ok: true, env: true, code: 'NOT_INITIALIZED', cls: true });
  assert.deepEqual(run('esm.mjs'), { value: true, same: true, code: 'LOCKED' });
});
