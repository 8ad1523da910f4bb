// @ts-check
// The dashboard end to end: the real `agent secret ui`, Debian's chromium
// driven by playwright-core, and the CLI and the npm package on the same
// vault. Timers of the page (reveal, clipboard, auto-lock) run on
// playwright's fake clock, so no test waits for real minutes.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  browser, canary, makeVault, openAndUnlock, root, startUi,
} from './harness.js';

const require = createRequire(import.meta.url);

/** Every file of the vault folder, as one string per file. */
function vaultFiles(dir) {
  return readdirSync(dir).map((name) => ({ name, text: readFileSync(path.join(dir, name), 'latin1') }));
}

/**
 * A vault with some secrets, the server on it, and an unlocked page.
 * @param {{ secrets?: [string, string, string][], colorScheme?: 'light' | 'dark', width?: number, height?: number, clock?: boolean, unlock?: boolean }} [options]
 */
async function session(options = {}) {
  const vault = makeVault();
  for (const [s, k, v] of options.secrets || [['openai', 'api_key', 'sk-test-openai-0001'], ['app', 'DATABASE_URL', 'postgres://tester@localhost/app']]) {
    vault.set(s, k, v);
  }
  const ui = await startUi(vault.dir);
  const b = await browser(options);
  /** @type {string[]} */
  const errors = [];
  b.page.on('pageerror', (e) => errors.push(e.message));
  if (options.clock) await b.page.clock.install();
  if (options.unlock !== false) await openAndUnlock(b.page, ui.url, vault.password);
  return {
    vault, ui, page: b.page, context: b.context, errors,
    async close() {
      await b.close();
      await ui.stop();
      vault.cleanup();
    },
  };
}

/** @param {import('playwright-core').Page} page @param {string} name */
async function selectSecret(page, name) {
  await page.getByLabel('Search secrets').fill(name);
  await page.locator('.item').first().click();
}

test('unlock, a wrong password, then a lockout with its countdown', async () => {
  const s = await session({ unlock: false });
  try {
    await s.page.goto(s.ui.url);
    assert.equal(new URL(s.page.url()).hash, '', 'the token leaves the address bar');
    for (const left of [4, 3, 2, 1]) {
      await s.page.getByLabel('Master password').fill('Wrong-Password-123');
      await s.page.getByRole('button', { name: 'Unlock' }).click();
      await s.page.getByText(`Incorrect password. ${left} attempt${left === 1 ? '' : 's'} remaining.`).waitFor();
    }
    const state = JSON.parse(readFileSync(path.join(s.vault.dir, 'state.json'), 'utf8'));
    assert.equal(state.failed_attempts, 4, 'the page\'s failures count in state.json');
    await s.page.getByLabel('Master password').fill('Wrong-Password-123');
    await s.page.getByRole('button', { name: 'Unlock' }).click();
    await s.page.getByText(/Incorrect password\. Too many failed attempts\. Try again in \d+ s\./).waitFor();
    assert.ok(await s.page.getByRole('button', { name: 'Unlock' }).isDisabled());
    // The CLI is locked out too, and the page says so on reload.
    assert.equal(s.vault.get('openai', 'api_key').code, 5);
    await s.page.reload();
    await s.page.getByLabel('Master password').fill(s.vault.password);
    await s.page.getByRole('button', { name: 'Unlock' }).click();
    await s.page.getByText(/^Too many failed attempts\. Try again in \d+ s\./).waitFor();
    // Past the lockout, the right password opens and resets the count.
    const reset = JSON.parse(readFileSync(path.join(s.vault.dir, 'state.json'), 'utf8'));
    reset.locked_until = null;
    writeFileSync(path.join(s.vault.dir, 'state.json'), JSON.stringify(reset));
    await s.page.reload();
    await openAndUnlock(s.page, s.ui.url, s.vault.password);
    await s.page.getByText('2 secrets in 2 services').waitFor();
    const after = JSON.parse(readFileSync(path.join(s.vault.dir, 'state.json'), 'utf8'));
    assert.equal(after.failed_attempts, 0);
    assert.equal(after.lockouts, 0);
    const log = s.vault.cli(['secret', 'audit', '--json']);
    assert.match(log.stdout, /"operation": "unlock",\s+"status": "unauthorized"[^}]+"source": "ui"/);
    assert.equal(s.vault.cli(['secret', 'audit', '--verify']).code, 0, 'the page\'s lines chain');
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('reveal hides again after 20 s; copy clears the clipboard after 30 s', async () => {
  const s = await session({ clock: true });
  try {
    await s.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.ui.origin });
    await selectSecret(s.page, 'openai');
    const value = s.page.locator('#detail-value');
    assert.equal(await value.textContent(), '••••••••');
    await s.page.getByRole('button', { name: 'Reveal' }).click();
    await s.page.getByText('sk-test-openai-0001').waitFor();
    await s.page.clock.fastForward(21_000);
    await s.page.getByText('••••••••').waitFor();
    assert.equal(await value.textContent(), '••••••••');
    await s.page.getByRole('button', { name: 'Copy' }).click();
    await s.page.getByText(/^Copied\./).waitFor();
    assert.equal(await s.page.evaluate(() => navigator.clipboard.readText()), 'sk-test-openai-0001');
    await s.page.clock.fastForward(31_000);
    await s.page.getByText('Clipboard cleared.').waitFor();
    assert.equal(await s.page.evaluate(() => navigator.clipboard.readText()), '');
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('add, edit and delete (with a confirmation) reach the files the CLI reads', async () => {
  const s = await session();
  try {
    await s.page.getByRole('button', { name: 'Add' }).click();
    await s.page.getByLabel('Service', { exact: true }).fill('stripe');
    await s.page.getByLabel('Key', { exact: true }).fill('secret_key');
    await s.page.getByLabel('Value', { exact: true }).fill('sk_test_added_0002');
    await s.page.getByRole('button', { name: 'Save', exact: true }).click();
    await s.page.getByText('3 secrets in 3 services').waitFor();
    assert.equal(s.vault.get('stripe', 'secret_key').stdout.trim(), 'sk_test_added_0002');
    // A bad name is refused by the core, nothing written.
    await s.page.getByRole('button', { name: 'Add' }).click();
    await s.page.getByLabel('Service', { exact: true }).fill('Bad Name');
    await s.page.getByLabel('Key', { exact: true }).fill('k');
    await s.page.getByLabel('Value', { exact: true }).fill('v');
    await s.page.getByRole('button', { name: 'Save', exact: true }).click();
    await s.page.locator('#secret-message').filter({ hasText: /service name/i }).waitFor();
    await s.page.getByRole('button', { name: 'Cancel' }).click();
    // Edit.
    await selectSecret(s.page, 'stripe');
    await s.page.getByRole('button', { name: 'Edit value' }).click();
    await s.page.getByLabel('Value', { exact: true }).fill('sk_test_edited_0003');
    await s.page.getByRole('button', { name: 'Save', exact: true }).click();
    await s.page.locator('#secret-dialog').waitFor({ state: 'hidden' });
    assert.equal(s.vault.get('stripe', 'secret_key').stdout.trim(), 'sk_test_edited_0003');
    // Delete: cancel first, then confirm.
    await s.page.getByRole('button', { name: 'Delete' }).click();
    await s.page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(s.vault.get('stripe', 'secret_key').code, 0);
    await s.page.getByRole('button', { name: 'Delete' }).click();
    await s.page.locator('#confirm-ok').click();
    await s.page.getByText('2 secrets in 2 services').waitFor({ timeout: 10_000 }).catch(() => {});
    await s.page.getByLabel('Search secrets').fill('');
    await s.page.getByText('2 secrets in 2 services').waitFor();
    assert.equal(s.vault.get('stripe', 'secret_key').code, 3);
    const audit = s.vault.cli(['secret', 'audit', '--json']).stdout;
    for (const op of ['set', 'delete']) assert.match(audit, new RegExp(`"operation": "${op}"[^}]+"source": "ui"`));
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('import a pasted .env with a preview; a bad file imports nothing and names lines only', async () => {
  const s = await session();
  try {
    await s.page.getByRole('button', { name: 'Import' }).click();
    await s.page.getByLabel('.env contents').fill('OPENAI_API_KEY=sk-test-imported-0004\nNEW_VAR=v-imported-0005\n# comment\nAGENT_SECRETS_PASSWORD=x-hidden-0006\n');
    await s.page.getByRole('button', { name: 'Preview' }).click();
    await s.page.getByText(/^line 4: .*a secret never sets it/).waitFor();
    const text = await s.page.locator('#view-import').innerText();
    assert.ok(!text.includes('x-hidden-0006') || (await s.page.getByLabel('.env contents').inputValue()).includes('x-hidden-0006'));
    assert.ok(!(await s.page.locator('#import-result').innerText()).includes('x-hidden-0006'), 'a bad line is named by number, never by content');
    assert.equal(s.vault.get('app', 'NEW_VAR').code, 3, 'nothing imported');
    await s.page.getByLabel('.env contents').fill('OPENAI_API_KEY=sk-test-imported-0004\nNEW_VAR=v-imported-0005\n');
    await s.page.getByRole('button', { name: 'Preview' }).click();
    await s.page.getByRole('cell', { name: 'openai / api_key' }).waitFor();
    const preview = await s.page.locator('#import-result').innerText();
    assert.match(preview, /OPENAI_API_KEY\s+openai \/ api_key\s+1\s+replaces/);
    assert.match(preview, /NEW_VAR\s+app \/ NEW_VAR\s+2\s+new/);
    assert.ok(!preview.includes('imported-000'), 'the preview shows no value');
    await s.page.getByRole('button', { name: 'Import 2 secrets' }).click();
    await s.page.getByText('Imported 2 secrets.').waitFor();
    assert.equal(s.vault.get('openai', 'api_key').stdout.trim(), 'sk-test-imported-0004');
    assert.equal(s.vault.get('app', 'NEW_VAR').stdout.trim(), 'v-imported-0005');
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('a dropped or chosen .env file gets the same preview and import', async () => {
  const s = await session();
  try {
    await s.page.getByRole('button', { name: 'Import' }).click();
    // Dropped: a DataTransfer with one file, as a drag from the desktop gives.
    await s.page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['DROPPED_TOKEN=v-dropped-0009\n'], 'dropped.env'));
      const zone = /** @type {HTMLElement} */ (document.getElementById('drop-zone'));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await s.page.getByRole('cell', { name: 'app / DROPPED_TOKEN' }).waitFor();
    await s.page.getByRole('button', { name: 'Import 1 secret' }).click();
    await s.page.getByText('Imported 1 secret.').waitFor();
    assert.equal(s.vault.get('app', 'DROPPED_TOKEN').stdout.trim(), 'v-dropped-0009');
    // Chosen with the file picker, into a named service.
    await s.page.getByLabel('Into service (optional)').fill('billing');
    await s.page.locator('#import-file').setInputFiles({ name: 'billing.env', mimeType: 'text/plain', buffer: Buffer.from('export API_TOKEN="v-chosen-0010"\n') });
    await s.page.getByRole('cell', { name: 'billing / API_TOKEN' }).waitFor();
    await s.page.getByRole('button', { name: 'Import 1 secret' }).click();
    await s.page.getByText('Imported 1 secret.').waitFor();
    assert.equal(s.vault.get('billing', 'API_TOKEN').stdout.trim(), 'v-chosen-0010');
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('keyboard only, with labels for screen readers', async () => {
  const s = await session({ width: 400, height: 800 });
  try {
    // Every control has an accessible name.
    const unnamed = await s.page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
      .filter((e) => {
        const el = /** @type {HTMLInputElement} */ (e);
        return !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label') && !(el.textContent || '').trim();
      })
      .map((e) => e.id || e.outerHTML.slice(0, 60)));
    assert.deepEqual(unnamed, []);
    // The list: focus it, arrow down to the second secret, Enter to its actions.
    await s.page.locator('#list').focus();
    await s.page.keyboard.press('ArrowDown');
    await s.page.keyboard.press('ArrowDown');
    await s.page.locator('#detail-title').filter({ hasText: 'openai / api_key' }).waitFor();
    assert.equal(await s.page.locator('#list').getAttribute('aria-activedescendant'), 'row-1');
    await s.page.keyboard.press('Enter');
    assert.equal(await s.page.evaluate(() => document.activeElement?.id), 'reveal-button');
    await s.page.keyboard.press('Enter');
    await s.page.locator('#detail-value').filter({ hasText: 'sk-test-openai-0001' }).waitFor();
    // The narrow window scrolls vertically only.
    assert.ok(await s.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('the env mapping of a secret is edited in the page and used by the CLI', async () => {
  const s = await session();
  try {
    await selectSecret(s.page, 'openai');
    await s.page.locator('#detail-vars').filter({ hasText: 'OPENAI_API_KEY (built-in)' }).waitFor();
    await s.page.getByLabel(/Environment variables/).fill('MY_OPENAI, OPENAI_KEY');
    await s.page.getByRole('button', { name: 'Save mapping' }).click();
    await s.page.locator('#detail-vars').filter({ hasText: 'MY_OPENAI, OPENAI_KEY (your mapping)' }).waitFor();
    const env = JSON.parse(s.vault.cli(['secret', 'env', '--json']).stdout);
    const row = env.find((/** @type {any} */ r) => r.service === 'openai' && r.key === 'api_key');
    assert.deepEqual(row.variables, ['MY_OPENAI', 'OPENAI_KEY']);
    // A variable the core refuses is refused in the page too.
    await s.page.getByLabel(/Environment variables/).fill('AGENT_SECRETS_X');
    await s.page.getByRole('button', { name: 'Save mapping' }).click();
    await s.page.locator('#banner').filter({ hasText: /AGENT_SECRETS_/ }).waitFor();
    const again = JSON.parse(s.vault.cli(['secret', 'env', '--json']).stdout);
    assert.deepEqual(again.find((/** @type {any} */ r) => r.service === 'openai').variables, ['MY_OPENAI', 'OPENAI_KEY']);
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('a service the merge driver left in conflict: the page lists the others and names the conflict, as the CLI does', async () => {
  const s = await session({ secrets: [['openai', 'api_key', 'sk-test-openai-0001'], ['stripe', 'secret_key', 'sk-test-base-0002']], unlock: false });
  try {
    // Two sides of one key, merged by the driver as git would run it.
    const file = path.join(s.vault.dir, 'stripe.json');
    const tmp = mkdtempSync(path.join(tmpdir(), 'agent-merge-'));
    try {
      writeFileSync(path.join(tmp, 'base'), readFileSync(file));
      s.vault.set('stripe', 'secret_key', 'sk-test-ours-0003');
      writeFileSync(path.join(tmp, 'ours'), readFileSync(file));
      s.vault.set('stripe', 'secret_key', 'sk-test-theirs-0004');
      writeFileSync(path.join(tmp, 'theirs'), readFileSync(file));
      const merged = s.vault.cli(['secret', 'merge-driver', path.join(tmp, 'base'), path.join(tmp, 'ours'), path.join(tmp, 'theirs'), '.agent/secrets/stripe.json']);
      assert.equal(merged.code, 1, merged.stderr);
      writeFileSync(file, readFileSync(path.join(tmp, 'ours')), { mode: 0o600 });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const cli = s.vault.cli(['secret', 'list']);
    assert.equal(cli.code, 6);
    const message = "stripe.json: unresolved merge: 'secret_key' changed differently on two branches";
    assert.ok(cli.stderr.includes(message), cli.stderr);
    await openAndUnlock(s.page, s.ui.url, s.vault.password);
    await s.page.locator('#banner').filter({ hasText: message }).waitFor();
    await s.page.locator('#banner').filter({ hasText: 'agent secret resolve stripe KEY --ours' }).waitFor();
    await s.page.locator('.item').filter({ hasText: 'openai' }).first().waitFor();
    assert.equal(await s.page.locator('.item').filter({ hasText: 'stripe' }).count(), 0);
    const page = await s.page.content();
    assert.ok(!page.includes('sk-test-ours') && !page.includes('sk-test-theirs'));
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('the audit view verifies the chain in the page and marks the line that breaks it', async () => {
  const s = await session();
  try {
    await s.page.getByRole('button', { name: 'Audit' }).click();
    await s.page.getByText(/^\d+ lines, hash chain intact; \d+ authenticated \(MAC verified\), \d+ without a MAC/).waitFor();
    assert.ok(await s.page.locator('#audit-table tbody tr').count() >= 3);
    const file = path.join(s.vault.dir, 'audit.log');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1].replace('"status":"success"', '"status":"failed"');
    writeFileSync(file, lines.join('\n'));
    await s.page.getByRole('button', { name: 'Refresh' }).click();
    // With the vault open the page checks the MACs too: the edited line 2
    // fails its own MAC (without the key, line 3's prev would be the first
    // break).
    await s.page.getByText(/^Line 2 fails verification: /).waitFor();
    assert.equal(await s.page.locator('#audit-table tr.broken').count(), 1);
    await s.page.getByRole('button', { name: 'Preflight' }).click();
    await s.page.locator('#preflight-table').getByText('audit_chain').waitFor();
    assert.match(await s.page.locator('#preflight-summary').innerText(), /problem/);
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('lock wipes the page; it locks itself after 5 min idle or 1 min hidden', async () => {
  const s = await session({ clock: true });
  try {
    await s.page.getByRole('button', { name: 'Lock' }).click();
    await s.page.getByLabel('Master password').waitFor();
    assert.equal(await s.page.locator('#main-view').isHidden(), true);
    assert.equal(await s.page.locator('#detail-value').textContent(), '••••••••');
    await openAndUnlock(s.page, s.ui.url, s.vault.password);
    await s.page.clock.fastForward(5 * 60_000 + 6_000);
    await s.page.getByLabel('Master password').waitFor();
    await openAndUnlock(s.page, s.ui.url, s.vault.password);
    await s.page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await s.page.clock.fastForward(61_000);
    await s.page.getByLabel('Master password').waitFor();
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('two writers: the page and the CLI change one service at once; nothing is lost, the page reports the conflict', async () => {
  const s = await session();
  try {
    let raced = false;
    await s.page.route('**/api/services/openai', async (route) => {
      if (route.request().method() === 'PUT' && !raced) {
        raced = true;
        // The CLI writes the same service between the page's read and its write.
        s.vault.set('openai', 'org_id', 'org-from-cli-0007');
      }
      await route.continue();
    });
    await s.page.getByRole('button', { name: 'Add' }).click();
    await s.page.getByLabel('Service', { exact: true }).fill('openai');
    await s.page.getByLabel('Key', { exact: true }).fill('project');
    await s.page.getByLabel('Value', { exact: true }).fill('proj-from-page-0008');
    await s.page.getByRole('button', { name: 'Save', exact: true }).click();
    await s.page.locator('#secret-message').filter({ hasText: 'openai.json changed since this page read it' }).waitFor();
    assert.equal(s.vault.get('openai', 'project').code, 3, 'the page did not overwrite the CLI');
    assert.equal(s.vault.get('openai', 'org_id').stdout.trim(), 'org-from-cli-0007');
    // Reload, save again: both changes are kept.
    await s.page.getByRole('button', { name: 'Reload and save again' }).click();
    await s.page.locator('#secret-dialog').waitFor({ state: 'hidden' });
    assert.equal(s.vault.get('openai', 'project').stdout.trim(), 'proj-from-page-0008');
    assert.equal(s.vault.get('openai', 'org_id').stdout.trim(), 'org-from-cli-0007');
    assert.equal(s.vault.get('openai', 'api_key').stdout.trim(), 'sk-test-openai-0001');
  } finally {
    await s.close();
  }
});

test('canary: the password and a value typed in the page never cross the wire in clear', async () => {
  const s = await session({ unlock: false });
  try {
    const secretValue = canary('value');
    /** @type {Buffer[]} */
    const traffic = [];
    s.page.on('request', (r) => { const b = r.postDataBuffer(); if (b) traffic.push(b); traffic.push(Buffer.from(r.url())); });
    s.page.on('response', async (r) => { try { traffic.push(await r.body()); } catch { /* redirects have none */ } });
    await openAndUnlock(s.page, s.ui.url, s.vault.password);
    await s.page.getByRole('button', { name: 'Add' }).click();
    await s.page.getByLabel('Service', { exact: true }).fill('canary');
    await s.page.getByLabel('Key', { exact: true }).fill('token');
    await s.page.getByLabel('Value', { exact: true }).fill(secretValue);
    await s.page.getByRole('button', { name: 'Save', exact: true }).click();
    await s.page.locator('#secret-dialog').waitFor({ state: 'hidden' });
    await selectSecret(s.page, 'canary');
    await s.page.getByRole('button', { name: 'Reveal' }).click();
    await s.page.locator('#detail-value').filter({ hasText: secretValue }).waitFor();
    await s.page.getByRole('button', { name: 'Lock' }).click();
    await s.ui.stop();
    assert.ok(traffic.length > 10, 'traffic was recorded');
    const all = Buffer.concat(traffic);
    assert.ok(all.includes(Buffer.from('"ciphertext"')), 'the documents did cross');
    for (const needle of [secretValue, s.vault.password]) {
      assert.ok(!all.includes(Buffer.from(needle)), 'in the traffic');
      assert.ok(!s.ui.output().includes(needle), 'in the server\'s output');
      for (const f of vaultFiles(s.vault.dir)) assert.ok(!f.text.includes(needle), `in ${f.name}`);
    }
    assert.equal(s.vault.get('canary', 'token').stdout.trim(), secretValue, 'stored, as ciphertext');
  } finally {
    await s.close();
  }
});

test('the 3 x 3 matrix: what the CLI, the npm package and the page write, the other two read and change', async () => {
  const { openVault } = require(path.join(root, 'npm'));
  const s = await session({ secrets: [] });
  try {
    const writers = ['cli', 'npm', 'page'];
    /** @type {Record<string, (service: string, key: string, value: string) => Promise<void>>} */
    const write = {
      cli: async (service, key, value) => s.vault.set(service, key, value),
      npm: async (service, key, value) => {
        const v = await openVault({ dir: s.vault.dir, password: s.vault.password });
        try { v.set(service, key, value); } finally { v.close(); }
      },
      page: async (service, key, value) => {
        await s.page.getByRole('button', { name: 'Add' }).click();
        await s.page.getByLabel('Service', { exact: true }).fill(service);
        await s.page.getByLabel('Key', { exact: true }).fill(key);
        await s.page.getByLabel('Value', { exact: true }).fill(value);
        await s.page.getByRole('button', { name: 'Save', exact: true }).click();
        await s.page.locator('#secret-dialog').waitFor({ state: 'hidden' });
      },
    };
    /** @type {Record<string, (service: string, key: string) => Promise<string>>} */
    const read = {
      cli: async (service, key) => s.vault.get(service, key).stdout.trim(),
      npm: async (service, key) => {
        const v = await openVault({ dir: s.vault.dir, password: s.vault.password });
        try { return v.get(service, key); } finally { v.close(); }
      },
      page: async (service, key) => {
        await s.page.getByRole('button', { name: 'Secrets' }).click();
        await s.page.getByRole('button', { name: 'Refresh' }).click();
        await s.page.getByLabel('Search secrets').fill(`${service}/${key}`);
        await s.page.locator('.item').first().click();
        await s.page.getByRole('button', { name: 'Reveal' }).click();
        await s.page.locator('#detail-value:not(.masked)').waitFor();
        const text = await s.page.locator('#detail-value').textContent();
        await s.page.getByRole('button', { name: 'Hide' }).click();
        return text || '';
      },
    };
    let checked = 0;
    for (const writer of writers) {
      const service = `from-${writer}`;
      await write[writer](service, 'first', `v-${writer}-first`);
      for (const other of writers.filter((w) => w !== writer)) {
        assert.equal(await read[other](service, 'first'), `v-${writer}-first`, `${other} reads what ${writer} wrote`);
        await write[other](service, `by_${other}`, `v-${other}-change`);
        checked += 1;
      }
      for (const reader of writers) {
        for (const other of writers.filter((w) => w !== writer)) {
          assert.equal(await read[reader](service, `by_${other}`), `v-${other}-change`, `${reader} reads ${other}'s change`);
        }
      }
    }
    assert.equal(checked, 6);
    assert.equal(s.vault.cli(['secret', 'audit', '--verify']).code, 0);
    assert.deepEqual(s.errors, []);
  } finally {
    await s.close();
  }
});

test('Wycheproof AES-GCM and PBKDF2 vectors through a browser build of the core; the shipped one exports no raw primitive', async () => {
  // The raw primitives (caller-chosen nonces) exist only with the wasm
  // crate's `hazmat` feature: the page's module (/pkg/, embedded in
  // `agent`) must not export them, so the vectors run through a test-only
  // build of the same sources with the feature on, served to the page from
  // its own origin (playwright's routing) so the page's CSP applies as is.
  const hazmat = mkdtempSync(path.join(tmpdir(), 'agent-e2e-hazmat-'));
  const built = spawnSync('bash', [path.join(root, 'scripts', 'build-web.sh'), hazmat, 'hazmat'], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const s = await session({ unlock: false });
  try {
    await s.page.route('**/hazmat-pkg/*', (route) => {
      const file = path.join(hazmat, path.basename(new URL(route.request().url()).pathname));
      const contentType = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      return route.fulfill({ body: readFileSync(file), contentType });
    });
    await s.page.goto(s.ui.url);
    const shipped = await s.page.evaluate(async () => {
      const wasm = await import('/pkg/agent_secrets_wasm.js');
      return ['pbkdf2HmacSha256', 'aes256GcmSeal', 'aes256GcmOpen', 'deriveKey'].filter((n) => n in wasm);
    });
    assert.deepEqual(shipped, ['deriveKey'], 'the shipped module has no raw primitive');
    const data = path.join(root, 'tests', 'data', 'wycheproof');
    const aes = JSON.parse(readFileSync(path.join(data, 'aes_gcm_test.json'), 'utf8'));
    const pbkdf2 = JSON.parse(readFileSync(path.join(data, 'pbkdf2_hmacsha256_test.json'), 'utf8'));
    const counts = await s.page.evaluate(async ({ aes, pbkdf2 }) => {
      const wasm = await import('/hazmat-pkg/agent_secrets_wasm.js');
      await wasm.default();
      /** @param {string} s */
      const hex = (s) => Uint8Array.from(s.match(/../g) || [], (b) => parseInt(b, 16));
      /** @param {Uint8Array} b */
      const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      /** @param {() => Uint8Array} f */
      const attempt = (f) => { try { return toHex(f()); } catch (e) { return /** @type {any} */ (e).code; } };
      const out = { valid: 0, invalid: 0, refused: 0, pbkdf2: 0, wrong: /** @type {string[]} */ ([]) };
      for (const group of aes.testGroups) {
        const supported = group.keySize === 256 && group.ivSize === 96 && group.tagSize === 128;
        for (const c of group.tests) {
          const [key, iv, aad, msg, ct, tag] = [c.key, c.iv, c.aad, c.msg, c.ct, c.tag].map(hex);
          const sealed = new Uint8Array([...ct, ...tag]);
          const opened = attempt(() => wasm.aes256GcmOpen(key, iv, aad, sealed));
          if (!supported) {
            if (opened !== 'INVALID_INPUT') out.wrong.push(`refuse ${c.tcId}`);
            out.refused += 1;
          } else if (c.result === 'invalid') {
            if (opened !== 'INTEGRITY') out.wrong.push(`invalid ${c.tcId}`);
            out.invalid += 1;
          } else {
            if (opened !== c.msg.toLowerCase()) out.wrong.push(`open ${c.tcId}`);
            if (attempt(() => wasm.aes256GcmSeal(key, iv, aad, msg)) !== (c.ct + c.tag).toLowerCase()) out.wrong.push(`seal ${c.tcId}`);
            out.valid += 1;
          }
        }
      }
      for (const c of pbkdf2.testGroups.flatMap((/** @type {any} */ g) => g.tests)) {
        const dk = wasm.pbkdf2HmacSha256(hex(c.password), hex(c.salt), c.iterationCount, c.dkLen);
        if (toHex(dk) !== c.dk.toLowerCase()) out.wrong.push(`pbkdf2 ${c.tcId}`);
        out.pbkdf2 += 1;
      }
      return out;
    }, { aes, pbkdf2 });
    assert.deepEqual(counts, { valid: 39, invalid: 27, refused: 250, pbkdf2: 60, wrong: [] });
  } finally {
    await s.close();
    rmSync(hazmat, { recursive: true, force: true });
  }
});

test('screenshots of the main views, light and dark, wide and narrow (docs/screenshots)', async () => {
  // UPDATE_SCREENSHOTS=1 writes the ones the docs show; otherwise they go
  // to a temporary folder (the views are still driven and checked).
  const out = process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(root, 'docs', 'screenshots')
    : mkdtempSync(path.join(tmpdir(), 'agent-e2e-shots-'));
  mkdirSync(out, { recursive: true });
  const secrets = /** @type {[string, string, string][]} */ ([
    ['openai', 'api_key', 'sk-demo-openai-5f2c9a'], ['openai', 'org_id', 'org-demo-41b7'],
    ['anthropic', 'api_key', 'sk-ant-demo-7d1e'], ['stripe', 'secret_key', 'sk_test_demo_93fa'],
    ['stripe', 'webhook_secret', 'whsec_demo_c0de'], ['supabase', 'anon_key', 'eyJdemo.anon'],
    ['supabase', 'service_role_key', 'eyJdemo.service'], ['app', 'DATABASE_URL', 'postgres://app@localhost/app'],
    ['app', 'REDIS_URL', 'redis://localhost:6379'], ['github', 'token', 'ghp_demo_token_0000'],
  ]);
  /** Dates a service's secrets back (timestamps are not covered by the AAD). @param {string} dir @param {string} service @param {number} days */
  const backdate = (dir, service, days) => {
    const file = path.join(dir, `${service}.json`);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const at = new Date(Date.now() - days * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    for (const entry of Object.values(doc.secrets)) Object.assign(entry, { created_at: at, updated_at: at });
    writeFileSync(file, JSON.stringify(doc, null, 2));
  };
  for (const scheme of /** @type {const} */ (['light', 'dark'])) {
    const s = await session({ secrets, colorScheme: scheme, unlock: false });
    for (const [service, days] of /** @type {[string, number][]} */ ([['stripe', 140], ['github', 35], ['supabase', 12], ['anthropic', 3]])) {
      backdate(s.vault.dir, service, days);
    }
    try {
      const shot = (/** @type {string} */ name) => s.page.screenshot({ path: path.join(out, `${name}-${scheme}.png`) });
      await s.page.goto(s.ui.url);
      await shot('unlock');
      await openAndUnlock(s.page, s.ui.url, s.vault.password);
      await shot('list');
      await selectSecret(s.page, 'openai/api');
      await s.page.getByLabel('Search secrets').fill('');
      await s.page.getByRole('button', { name: 'Reveal' }).click();
      await s.page.locator('#detail-value:not(.masked)').waitFor();
      await shot('reveal');
      await s.page.getByRole('button', { name: 'Import' }).click();
      await s.page.getByLabel('.env contents').fill('OPENAI_API_KEY=sk-demo-new\nSENTRY_DSN=https://demo@sentry.invalid/1\nGEMINI_API_KEY=demo-gemini\n');
      await s.page.getByRole('button', { name: 'Preview' }).click();
      await s.page.getByRole('cell', { name: 'openai / api_key' }).waitFor();
      await shot('import');
      await s.page.getByRole('button', { name: 'Audit' }).click();
      await s.page.getByText(/hash chain intact/).waitFor();
      await shot('audit');
      if (scheme === 'light') {
        await s.page.setViewportSize({ width: 400, height: 800 });
        await s.page.getByRole('button', { name: 'Secrets' }).click();
        await s.page.screenshot({ path: path.join(out, 'narrow-light.png') });
      }
      assert.deepEqual(s.errors, []);
    } finally {
      await s.close();
    }
  }
});
