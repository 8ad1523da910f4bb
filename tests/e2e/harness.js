// @ts-check
// What every end-to-end test needs: the `agent` binary, a throw-away vault
// (KDF floor, generated password), `agent secret ui` on port 0, and
// Debian's chromium driven by playwright-core with a fresh profile. No
// browser is downloaded: the executable is the system's.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..');

/** The `agent` binary under test. */
export const agentBin = process.env.AGENT_BIN || path.join(root, 'target', 'debug', 'agent');

/** Debian's chromium (the real executable, not the shell wrapper). */
export function chromiumPath() {
  for (const p of [process.env.CHROMIUM_BIN, '/usr/lib/chromium/chromium', '/usr/bin/chromium']) {
    if (p && existsSync(p)) return p;
  }
  throw new Error('chromium is not installed: run scripts/install-tools.sh');
}

/** A password that passes the strength rule, new for each vault. */
export function newPassword() {
  return `E2e-${randomBytes(9).toString('hex')}-Pw7`;
}

/** A value that is easy to search for in traffic and files. */
export function canary(label) {
  return `canary-${label}-${randomBytes(8).toString('hex')}`;
}

/**
 * A temporary project with a vault, and a way to run the CLI on it.
 * @param {{ iterations?: number }} [options]
 */
export function makeVault(options = {}) {
  const project = mkdtempSync(path.join(tmpdir(), 'agent-e2e-'));
  const dir = path.join(project, '.agent', 'secrets');
  const password = newPassword();
  /**
   * @param {string[]} args
   * @param {{ input?: string, env?: Record<string, string> }} [opts]
   */
  const cli = (args, opts = {}) => {
    const r = spawnSync(agentBin, ['--dir', dir, ...args], {
      input: opts.input,
      encoding: 'utf8',
      env: { PATH: process.env.PATH || '', HOME: project, USER: 'tester', AGENT_SECRETS_PASSWORD: password, ...(opts.env || {}) },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const init = cli(['secret', 'init', '--iterations', String(options.iterations || 100_000)]);
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  return {
    project, dir, password, cli,
    /** @param {string} service @param {string} key @param {string} value */
    set(service, key, value) {
      const r = cli(['secret', 'set', service, key, '--value-stdin'], { input: value });
      if (r.code !== 0) throw new Error(`set failed: ${r.stderr}`);
    },
    /** @param {string} service @param {string} key */
    get(service, key) {
      return cli(['secret', 'get', service, key, '--show']);
    },
    cleanup() {
      rmSync(project, { recursive: true, force: true });
    },
  };
}

/**
 * Starts `agent secret ui --no-open` on the vault and waits for its address.
 * @param {string} dir
 * @param {string[]} [extra]
 */
export async function startUi(dir, extra = []) {
  const child = spawn(agentBin, ['--dir', dir, 'secret', 'ui', '--no-open', '--idle-timeout', '10m', ...extra], {
    env: { PATH: process.env.PATH || '', USER: 'tester' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64})/.exec(stdout);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`agent secret ui exited ${code}: ${stderr}`)));
  });
  const origin = new URL(url).origin;
  return {
    url, origin, child,
    output: () => stdout + stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/**
 * Chromium with a fresh profile, headless, no GPU, no background traffic.
 * @param {{ colorScheme?: 'light' | 'dark', width?: number, height?: number }} [options]
 */
export async function browser(options = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), 'agent-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: options.width || 1280, height: options.height || 800 },
    colorScheme: options.colorScheme || 'light',
  });
  const page = context.pages()[0] || await context.newPage();
  // A first start of chromium on a fresh machine can be slow (caches).
  page.setDefaultNavigationTimeout(60_000);
  return {
    context, page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the dashboard and unlocks it.
 * @param {import('playwright-core').Page} page
 * @param {string} url
 * @param {string} password
 */
export async function openAndUnlock(page, url, password) {
  await page.goto(url);
  await page.getByLabel('Master password').fill(password);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.locator('#main-view').waitFor({ state: 'visible' });
}
