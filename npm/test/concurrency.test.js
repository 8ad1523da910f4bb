'use strict';
// Node and CLI writers at once on one service document: the shared lock
// loses nothing (4 Node processes + 4 CLI processes, 25 keys each).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const secrets = require('..');
const { PASSWORD, agent, agentAsync, cliVault, cleanEnv } = require('./helpers.js');

const WRITERS = 4;
const KEYS = 25;

function nodeWriter(dir, prefix) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'writer.js'), dir, 'shared', prefix, String(KEYS)], {
      env: cleanEnv({ AGENT_SECRETS_PASSWORD: PASSWORD }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

async function cliWriter(dir, prefix) {
  for (let i = 0; i < KEYS; i++) {
    const r = await agentAsync(['--dir', dir, 'secret', 'set', 'shared', `${prefix}_${i}`, '--value-stdin'],
      { input: `fake-value-${prefix}-${i}` });
    if (r.code !== 0) return { code: r.code, stderr: r.stderr };
  }
  return { code: 0, stderr: '' };
}

test('4 Node and 4 CLI writers x 25 keys: all 200 present', { timeout: 300_000 }, async (t) => {
  const dir = cliVault(t);
  const runs = [];
  for (let w = 0; w < WRITERS; w++) {
    runs.push(nodeWriter(dir, `node${w}`));
    runs.push(cliWriter(dir, `cli${w}`));
  }
  for (const r of await Promise.all(runs)) assert.equal(r.code, 0, r.stderr);

  const vault = await secrets.openVault({ dir, password: PASSWORD });
  t.after(() => vault.close());
  const keys = vault.list('shared').services[0].secrets.map((s) => s.key);
  assert.equal(keys.length, 2 * WRITERS * KEYS);
  for (const kind of ['node', 'cli']) {
    for (let w = 0; w < WRITERS; w++) {
      for (let i = 0; i < KEYS; i++) {
        assert.equal(vault.get('shared', `${kind}${w}_${i}`), `fake-value-${kind}${w}-${i}`);
      }
    }
  }
  const listed = JSON.parse(agent(['--dir', dir, 'secret', 'list', 'shared', '--json']).stdout);
  assert.equal(listed[0].secrets.length, 200, 'the CLI counts 200 too');
  const left = fs.readdirSync(dir).filter((n) => n.startsWith('.agent-tmp-') || n.startsWith('.lock'));
  assert.deepEqual(left, [], 'no lock or temp file left behind');
  // Every write left one audit line, and the chain is whole.
  const lines = fs.readFileSync(path.join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.filter((l) => l.operation === 'set' && l.source === 'node').length, 100);
  assert.equal(lines.filter((l) => l.operation === 'set' && l.source === 'cli').length, 100);
  lines.forEach((l, i) => assert.equal(l.seq, i + 1));
});
