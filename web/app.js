// @ts-check
// The dashboard page. Every key derivation (WebCrypto PBKDF2), unwrap,
// decryption, encryption and audit line is made here, by the core compiled
// to WebAssembly; this file only renders and moves documents to and from
// the server (api.js). Nothing here decides a format rule: names, the
// .env plan, the env mapping and the audit chain are the core's.

import init, {
  Vault, auditLines, auditNextLine, auditVerify, importPlan, mappingOf,
} from './pkg/agent_secrets_wasm.js';
import { Api, ApiError, PageStore, derivePasswordKey, fromBase64, nowSeconds } from './api.js';

/** A revealed value is hidden again after this long. */
const REVEAL_MS = 20_000;
/** A copied value is cleared from the clipboard after this long. */
const CLIPBOARD_MS = 30_000;
/** The page locks itself after this long without input… */
const IDLE_LOCK_MS = 5 * 60_000;
/** …or after this long hidden (another tab, a minimised window). */
const HIDDEN_LOCK_MS = 60_000;
/** Height of one row of the secrets list, in CSS pixels (style.css). */
const ROW_HEIGHT = 52;
/** Rows drawn above and below the visible ones. */
const OVERSCAN = 8;
/** Audit lines shown, newest first. */
const AUDIT_SHOWN = 500;

/**
 * @typedef {{ key: string, key_id: string, created_at: string, updated_at: string }} SecretMeta
 * @typedef {{ service: string, revision: string, secrets: SecretMeta[] }} ServiceMeta
 * @typedef {{ service: string, key: string, keyId: string, created: string, updated: string, stale: boolean, name: string }} Row
 */

// ---------------------------------------------------------------- state

const token = takeToken();
const api = new Api(token);
const store = new PageStore();
const wasmReady = init({ module_or_path: new URL('./pkg/agent_secrets_wasm_bg.wasm', import.meta.url) });

/** @type {Vault | null} */
let vault = null;
/** @type {string | null} */
let configRevision = null;
let user = 'unknown';
/** @type {Row[]} */
let rows = [];
/** @type {Row[]} */
let shown = [];
/** @type {Row | null} */
let selected = null;
/** @type {Map<string, string>} service -> revision of the document the page holds */
const revisions = new Map();
/** @type {ReturnType<typeof setTimeout> | undefined} */
let revealTimer;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let clipboardTimer;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let hiddenTimer;
/** @type {ReturnType<typeof setInterval> | undefined} */
let countdownTimer;
let lastActivity = Date.now();
/** @type {{ planned: { service: string, key: string, variable: string, line: number, value: string }[], notes: string[] } | null} */
let plan = null;

// ---------------------------------------------------------------- helpers

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function byId(id, type) {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`missing element #${id}`);
  return el;
}

const el = {
  unlockView: byId('unlock-view', HTMLElement),
  unlockForm: byId('unlock-form', HTMLFormElement),
  password: byId('password', HTMLInputElement),
  unlockButton: byId('unlock-button', HTMLButtonElement),
  unlockMessage: byId('unlock-message', HTMLElement),
  unlockDir: byId('unlock-dir', HTMLElement),
  mainView: byId('main-view', HTMLElement),
  vaultDir: byId('vault-dir', HTMLElement),
  lockButton: byId('lock-button', HTMLButtonElement),
  banner: byId('banner', HTMLElement),
  bannerText: byId('banner-text', HTMLElement),
  bannerAction: byId('banner-action', HTMLButtonElement),
  bannerClose: byId('banner-close', HTMLButtonElement),
  search: byId('search', HTMLInputElement),
  filter: byId('filter', HTMLSelectElement),
  addButton: byId('add-button', HTMLButtonElement),
  refreshButton: byId('refresh-button', HTMLButtonElement),
  count: byId('list-count', HTMLElement),
  list: byId('list', HTMLElement),
  spacer: byId('list-spacer', HTMLElement),
  detailEmpty: byId('detail-empty', HTMLElement),
  detailBody: byId('detail-body', HTMLElement),
  detailTitle: byId('detail-title', HTMLElement),
  detailStale: byId('detail-stale', HTMLElement),
  detailValue: byId('detail-value', HTMLOutputElement),
  revealButton: byId('reveal-button', HTMLButtonElement),
  copyButton: byId('copy-button', HTMLButtonElement),
  valueNote: byId('value-note', HTMLElement),
  detailCreated: byId('detail-created', HTMLElement),
  detailUpdated: byId('detail-updated', HTMLElement),
  detailKeyId: byId('detail-keyid', HTMLElement),
  detailVars: byId('detail-vars', HTMLElement),
  mappingForm: byId('mapping-form', HTMLFormElement),
  mappingInput: byId('mapping-input', HTMLInputElement),
  editButton: byId('edit-button', HTMLButtonElement),
  deleteButton: byId('delete-button', HTMLButtonElement),
  secretDialog: byId('secret-dialog', HTMLDialogElement),
  secretForm: byId('secret-form', HTMLFormElement),
  secretTitle: byId('secret-dialog-title', HTMLElement),
  secretService: byId('secret-service', HTMLInputElement),
  secretKey: byId('secret-key', HTMLInputElement),
  secretValue: byId('secret-value', HTMLTextAreaElement),
  secretMessage: byId('secret-message', HTMLElement),
  secretCancel: byId('secret-cancel', HTMLButtonElement),
  secretSave: byId('secret-save', HTMLButtonElement),
  confirmDialog: byId('confirm-dialog', HTMLDialogElement),
  confirmText: byId('confirm-text', HTMLElement),
  importText: byId('import-text', HTMLTextAreaElement),
  importFile: byId('import-file', HTMLInputElement),
  importService: byId('import-service', HTMLInputElement),
  importPreview: byId('import-preview', HTMLButtonElement),
  importResult: byId('import-result', HTMLElement),
  dropZone: byId('drop-zone', HTMLElement),
  auditRefresh: byId('audit-refresh', HTMLButtonElement),
  auditSummary: byId('audit-summary', HTMLElement),
  auditBody: /** @type {HTMLTableSectionElement} */ (byId('audit-table', HTMLTableElement).tBodies[0]),
  preflightRefresh: byId('preflight-refresh', HTMLButtonElement),
  preflightSummary: byId('preflight-summary', HTMLElement),
  preflightBody: /** @type {HTMLTableSectionElement} */ (byId('preflight-table', HTMLTableElement).tBodies[0]),
};

/** The token from the address's fragment (kept for reloads of this tab), then the fragment is dropped. */
function takeToken() {
  const match = /(?:^#|&)token=([0-9a-f]{64})(?:&|$)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem('agent-secrets-token', match[1]);
    history.replaceState(null, '', location.pathname);
    return match[1];
  }
  return sessionStorage.getItem('agent-secrets-token') || '';
}

/**
 * @param {string} tag
 * @param {{ className?: string, text?: string, title?: string }} [props]
 * @param {(Node | string)[]} [children]
 */
function h(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title) node.title = props.title;
  for (const child of children) node.append(child);
  return node;
}

/** @param {string} service */
const fileOf = (service) => `${service}.json`;

/** "3 d", "5 mo": how long ago an RFC 3339 time was. @param {string} time */
function age(time) {
  const seconds = Math.max(0, (Date.now() - Date.parse(time)) / 1000);
  if (seconds < 60) return 'just now';
  const units = /** @type {[number, string][]} */ ([[31_536_000, 'y'], [2_592_000, 'mo'], [86_400, 'd'], [3_600, 'h'], [60, 'min']]);
  for (const [size, unit] of units) {
    if (seconds >= size) return `${Math.floor(seconds / size)} ${unit} ago`;
  }
  return 'just now';
}

/** @param {string} time */
function when(time) {
  return `${time.replace('T', ' ').replace('Z', ' UTC')} (${age(time)})`;
}

/** @param {unknown} e */
function messageOf(e) {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** @param {unknown} e */
function codeOf(e) {
  return e && typeof e === 'object' && 'code' in e ? String(e.code) : '';
}

/**
 * @param {string} text
 * @param {{ kind?: 'info' | 'error' | 'conflict', reload?: boolean }} [options]
 */
function showBanner(text, options = {}) {
  el.bannerText.textContent = text;
  el.banner.dataset.kind = options.kind || 'info';
  el.bannerAction.hidden = !options.reload;
  el.banner.hidden = false;
}

function hideBanner() {
  el.banner.hidden = true;
}

/** @param {import('./api.js').ApiResponse} r */
function check(r) {
  if (r.status >= 400) throw new ApiError(r);
  return r;
}

// ---------------------------------------------------------------- audit

/**
 * Appends the page's audit line: built by the core after the log's tail,
 * sent to the server, which appends it only if it still chains (else 409:
 * rebuilt from the new tail).
 * @param {string} operation
 * @param {string} status
 * @param {string} [service]
 * @param {string} [key]
 */
async function audit(operation, status, service, key) {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const tail = await api.get('/api/audit?tail=1');
    if (tail.status !== 200) return;
    // An open vault MACs its lines; a failed unlock's line has no MAC.
    const line = vault
      ? vault.auditNextLine(tail.body, operation, status, service, key, user, nowSeconds())
      : auditNextLine(tail.body, operation, status, service, key, user, nowSeconds());
    const r = await api.call('POST', '/api/audit', { body: line, headers: { 'Content-Type': 'application/x-ndjson' } });
    if (r.status !== 409) return;
  }
}

// ---------------------------------------------------------------- unlock and lock

/** @param {number} seconds */
function lockedCountdown(seconds, prefix = '') {
  clearInterval(countdownTimer);
  const until = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(countdownTimer);
      el.unlockMessage.textContent = '';
      el.unlockButton.disabled = false;
      return;
    }
    el.unlockMessage.textContent = `${prefix}Too many failed attempts. Try again in ${left} s.`;
    el.unlockButton.disabled = true;
  };
  tick();
  countdownTimer = setInterval(tick, 1000);
}

/** @param {SubmitEvent} event */
async function onUnlock(event) {
  event.preventDefault();
  const password = el.password.value;
  el.password.value = '';
  if (password === '') return;
  el.unlockButton.disabled = true;
  el.unlockMessage.textContent = 'Unlocking…';
  try {
    await unlock(password);
  } catch (e) {
    el.unlockMessage.textContent = messageOf(e);
  } finally {
    if (!countdownTimer || el.unlockMessage.textContent === '' || !el.unlockMessage.textContent.includes('Try again')) {
      el.unlockButton.disabled = false;
    }
  }
}

/** @param {string} password */
async function unlock(password) {
  const reserve = await api.call('POST', '/api/unlock/reserve');
  if (reserve.status === 423) {
    lockedCountdown(Number(reserve.json.retry_after_seconds) || 1);
    audit('unlock', 'locked');
    return;
  }
  check(reserve);
  /** @type {{ recipient: string, iterations: number, salt: string }[]} */
  const recipients = reserve.json.recipients;
  // The config and the listing travel while the first key is derived.
  /** @param {{ iterations: number, salt: string }} r */
  const derive = (r) => derivePasswordKey(password, fromBase64(r.salt), r.iterations);
  const firstKey = recipients.length > 0 ? derive(recipients[0]) : null;
  const listingSent = api.get('/api/services').then(check);
  listingSent.catch(() => { /* awaited after the unlock */ });
  let config;
  try {
    [config] = await Promise.all([api.get('/api/config').then(check), wasmReady]);
  } catch (e) {
    firstKey?.then((k) => k.fill(0), () => {});
    throw e;
  }
  store.wipe();
  store.docs.set('config.json', config.body);
  configRevision = config.etag;
  for (const [i, r] of recipients.entries()) {
    const key = i === 0 && firstKey ? await firstKey : await derive(r);
    try {
      vault = Vault.unlockWithPasswordKey(store, r.recipient, key, nowSeconds());
      break;
    } catch (e) {
      if (codeOf(e) !== 'WRONG_PASSWORD') throw e;
    } finally {
      key.fill(0);
    }
  }
  if (!vault) {
    store.wipe();
    // The server counts the attempt as a wrong password and says what follows.
    const failed = await api.call('POST', '/api/unlock/report', { body: '{"ok":false}', headers: { 'Content-Type': 'application/json' } });
    const result = failed.json || {};
    if (typeof result.locked_for_seconds === 'number') {
      lockedCountdown(result.locked_for_seconds, 'Incorrect password. ');
    } else {
      el.unlockMessage.textContent = result.error || 'Incorrect password.';
    }
    audit('unlock', 'unauthorized');
    el.password.focus();
    return;
  }
  store.clearChanges();
  const [reported, listing] = await Promise.all([
    api.call('POST', '/api/unlock/report', { body: '{"ok":true}', headers: { 'Content-Type': 'application/json' } }),
    listingSent,
  ]);
  check(reported);
  el.unlockMessage.textContent = '';
  lastActivity = Date.now();
  showListing(listing.json);
  el.unlockView.hidden = true;
  el.mainView.hidden = false;
  showView('secrets');
  renderList();
  el.search.focus();
  audit('unlock', 'success');
}

/** Wipes the keys and everything decrypted, and shows the unlock form. */
function lock() {
  if (vault) {
    vault.free();
    vault = null;
  }
  store.wipe();
  revisions.clear();
  hideValue();
  clearTimeout(hiddenTimer);
  plan = null;
  el.importText.value = '';
  el.importResult.replaceChildren();
  el.secretValue.value = '';
  if (el.secretDialog.open) el.secretDialog.close();
  if (el.confirmDialog.open) el.confirmDialog.close();
  el.mainView.hidden = true;
  el.unlockView.hidden = false;
  el.unlockMessage.textContent = '';
  el.password.focus();
}

// ---------------------------------------------------------------- the list

/** @param {{ dir: string, user: string, services: ServiceMeta[], stale: { service: string, key: string }[], problems: { message: string }[] }} listing */
function showListing(listing) {
  user = listing.user;
  el.vaultDir.textContent = listing.dir;
  el.unlockDir.textContent = listing.dir;
  const stale = new Set(listing.stale.map((s) => `${s.service}/${s.key}`));
  rows = [];
  for (const s of listing.services) {
    revisions.set(s.service, s.revision);
    for (const k of s.secrets) {
      const name = `${s.service}/${k.key}`;
      rows.push({
        service: s.service, key: k.key, keyId: k.key_id, created: k.created_at,
        updated: k.updated_at, stale: stale.has(name), name,
      });
    }
  }
  if (listing.problems.length > 0) {
    showBanner(listing.problems.map((p) => p.message).join(' '), { kind: 'error' });
  }
  applyFilter();
  if (selected) {
    const again = rows.find((r) => r.name === selected?.name) || null;
    select(again);
  }
}

async function reloadListing() {
  const listing = check(await api.get('/api/services'));
  showListing(listing.json);
}

function applyFilter() {
  const words = el.search.value.toLowerCase().split(/\s+/).filter(Boolean);
  const staleOnly = el.filter.value === 'stale';
  shown = rows.filter((r) => (!staleOnly || r.stale) && words.every((w) => r.name.includes(w)));
  el.spacer.style.height = `${shown.length * ROW_HEIGHT}px`;
  const services = new Set(shown.map((r) => r.service)).size;
  el.count.textContent = `${shown.length} secret${shown.length === 1 ? '' : 's'} in ${services} service${services === 1 ? '' : 's'}`
    + (shown.length !== rows.length ? ` (of ${rows.length})` : '');
  renderList();
}

/** Draws only the rows in view (the list may hold tens of thousands). */
function renderList() {
  const top = el.list.scrollTop;
  const height = el.list.clientHeight || 600;
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(shown.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
  const nodes = [];
  for (let i = first; i < last; i += 1) nodes.push(rowNode(shown[i], i));
  el.spacer.replaceChildren(...nodes);
  if (selected) {
    const at = shown.indexOf(selected);
    if (at >= 0) el.list.setAttribute('aria-activedescendant', `row-${at}`);
    else el.list.removeAttribute('aria-activedescendant');
  }
}

/** @param {Row} row @param {number} index */
function rowNode(row, index) {
  const node = h('div', { className: 'item' }, [
    h('span', { className: 'name' }, [
      h('span', { className: 'service', text: `${row.service} / ` }),
      h('span', { className: 'key', text: row.key }),
    ]),
    h('span', { className: 'meta' }, [
      ...(row.stale ? [h('span', { className: 'badge warn', text: 'stale', title: 'Not changed for a long time: rotate it' })] : []),
      h('span', { className: 'badge', text: row.keyId, title: 'Data key' }),
      h('span', { className: 'age', text: age(row.updated), title: `Updated ${row.updated}` }),
    ]),
  ]);
  node.id = `row-${index}`;
  node.setAttribute('role', 'option');
  node.setAttribute('aria-selected', String(row === selected));
  node.setAttribute('aria-label', `${row.service} ${row.key}, updated ${age(row.updated)}${row.stale ? ', stale' : ''}`);
  node.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
  node.addEventListener('click', () => select(row));
  return node;
}

/** @param {Row | null} row */
function select(row) {
  hideValue();
  selected = row;
  el.detailEmpty.hidden = row !== null;
  el.detailBody.hidden = row === null;
  renderList();
  if (!row) return;
  el.detailTitle.textContent = `${row.service} / ${row.key}`;
  el.detailStale.hidden = !row.stale;
  el.detailCreated.textContent = when(row.created);
  el.detailUpdated.textContent = when(row.updated);
  el.detailKeyId.textContent = row.keyId;
  const config = store.read('config.json');
  if (config) {
    const mapping = mappingOf(config, row.service, row.key);
    el.detailVars.textContent = `${mapping.variables.join(', ')} (${{
      user: 'your mapping', builtin: 'built-in', key: 'the key name', rule: 'SERVICE_KEY',
    }[mapping.origin]})`;
    el.mappingInput.value = mapping.origin === 'user' ? mapping.variables.join(', ') : '';
    el.mappingInput.placeholder = mapping.variables.join(', ');
  }
}

/** @param {KeyboardEvent} event */
function onListKey(event) {
  if (shown.length === 0) return;
  let at = selected ? shown.indexOf(selected) : -1;
  switch (event.key) {
    case 'ArrowDown': at = Math.min(shown.length - 1, at + 1); break;
    case 'ArrowUp': at = Math.max(0, at - 1); break;
    case 'Home': at = 0; break;
    case 'End': at = shown.length - 1; break;
    case 'Enter':
      // Not also a click on the button that gets the focus.
      event.preventDefault();
      if (selected) el.revealButton.focus();
      return;
    default: return;
  }
  event.preventDefault();
  const row = shown[at];
  const y = at * ROW_HEIGHT;
  if (y < el.list.scrollTop) el.list.scrollTop = y;
  if (y + ROW_HEIGHT > el.list.scrollTop + el.list.clientHeight) el.list.scrollTop = y + ROW_HEIGHT - el.list.clientHeight;
  select(row);
}

// ---------------------------------------------------------------- documents

/** Fetches a service's document into the page store. @param {string} service */
async function loadService(service) {
  const r = await api.get(`/api/services/${service}`);
  if (r.status === 404) {
    store.docs.delete(fileOf(service));
    revisions.delete(service);
    return;
  }
  check(r);
  store.docs.set(fileOf(service), r.body);
  if (r.etag) revisions.set(service, r.etag);
}

class Conflict extends Error {
  /** @param {string} file */
  constructor(file) {
    super(`${file} changed since this page read it (the CLI or another tab). Nothing was saved: reload, then try again.`);
    this.name = 'Conflict';
  }
}

/**
 * Sends what the core wrote to a service's document: PUT with the
 * revision it replaces (or If-None-Match for a new one), or DELETE.
 * @param {string} service
 */
async function pushService(service) {
  const file = fileOf(service);
  const revision = revisions.get(service);
  let r;
  if (store.removed.has(file)) {
    r = await api.call('DELETE', `/api/services/${service}`, { headers: { 'If-Match': revision || '""' } });
  } else if (store.written.has(file)) {
    const body = /** @type {Uint8Array} */ (store.docs.get(file));
    /** @type {Record<string, string>} */
    const headers = { 'Content-Type': 'application/json' };
    if (revision) headers['If-Match'] = revision;
    else headers['If-None-Match'] = '*';
    r = await api.call('PUT', `/api/services/${service}`, { body, headers });
  } else {
    return;
  }
  store.clearChanges();
  if (r.status === 409) {
    store.docs.delete(file);
    throw new Conflict(file);
  }
  check(r);
  if (r.etag) revisions.set(service, r.etag);
  else revisions.delete(service);
}

/** @param {unknown} e */
function reportWriteError(e) {
  if (e instanceof Conflict) showBanner(e.message, { kind: 'conflict', reload: true });
  else showBanner(messageOf(e), { kind: 'error' });
}

/**
 * @param {string} service
 * @param {string} key
 * @param {string} value
 */
async function saveSecret(service, key, value) {
  if (!vault) throw new Error('The vault is locked.');
  await loadService(service);
  store.clearChanges();
  vault.set(service, key, value, nowSeconds());
  await pushService(service);
  audit('set', 'success', service, key);
  await reloadListing();
}

// ---------------------------------------------------------------- the selected secret

function hideValue() {
  clearTimeout(revealTimer);
  el.detailValue.textContent = '••••••••';
  el.detailValue.classList.add('masked');
  el.revealButton.textContent = 'Reveal';
  el.revealButton.setAttribute('aria-pressed', 'false');
  el.valueNote.textContent = '';
}

/** The selected secret's value, from a fresh copy of its document. */
async function selectedValue() {
  if (!vault || !selected) throw new Error('Nothing selected.');
  await loadService(selected.service);
  return vault.get(selected.service, selected.key);
}

async function onReveal() {
  if (el.revealButton.getAttribute('aria-pressed') === 'true') {
    hideValue();
    return;
  }
  const row = selected;
  try {
    const value = await selectedValue();
    if (row !== selected) return;
    el.detailValue.textContent = value;
    el.detailValue.classList.remove('masked');
    el.revealButton.textContent = 'Hide';
    el.revealButton.setAttribute('aria-pressed', 'true');
    el.valueNote.textContent = `Hidden again in ${REVEAL_MS / 1000} s.`;
    revealTimer = setTimeout(hideValue, REVEAL_MS);
    audit('get', 'success', row?.service, row?.key);
  } catch (e) {
    showBanner(messageOf(e), { kind: 'error' });
    audit('get', codeOf(e) === 'INTEGRITY' ? 'failed' : 'failed', row?.service, row?.key);
  }
}

async function onCopy() {
  const row = selected;
  try {
    const value = await selectedValue();
    await navigator.clipboard.writeText(value);
    el.valueNote.textContent = `Copied. The clipboard is cleared in ${CLIPBOARD_MS / 1000} s.`;
    clearTimeout(clipboardTimer);
    clipboardTimer = setTimeout(() => {
      // Browsers allow this only while the page has focus.
      navigator.clipboard.writeText('').catch(() => {});
      if (el.valueNote.textContent?.startsWith('Copied')) el.valueNote.textContent = 'Clipboard cleared.';
    }, CLIPBOARD_MS);
    audit('get', 'success', row?.service, row?.key);
  } catch (e) {
    showBanner(`Could not copy: ${messageOf(e)}`, { kind: 'error' });
  }
}

/** @param {Row | null} row */
function openSecretDialog(row) {
  el.secretTitle.textContent = row ? `Edit ${row.service} / ${row.key}` : 'Add a secret';
  el.secretService.value = row ? row.service : '';
  el.secretKey.value = row ? row.key : '';
  el.secretService.readOnly = row !== null;
  el.secretKey.readOnly = row !== null;
  el.secretValue.value = '';
  el.secretMessage.textContent = '';
  el.secretSave.textContent = 'Save';
  el.secretDialog.showModal();
  (row ? el.secretValue : el.secretService).focus();
}

/** @param {SubmitEvent} event */
async function onSaveSecret(event) {
  event.preventDefault();
  const service = el.secretService.value.trim();
  const key = el.secretKey.value.trim();
  const value = el.secretValue.value;
  el.secretMessage.textContent = 'Saving…';
  try {
    await saveSecret(service, key, value);
    el.secretValue.value = '';
    el.secretDialog.close();
    hideBanner();
    const row = rows.find((r) => r.service === service && r.key === key) || null;
    select(row);
  } catch (e) {
    el.secretMessage.textContent = messageOf(e);
    if (e instanceof Conflict) {
      // Saving again reads the current document first: nothing of the other writer is lost.
      el.secretMessage.textContent = `${e.message.replace(/: reload, then try again\.$/, '.')} Save again to apply your change on top of it.`;
      el.secretSave.textContent = 'Reload and save again';
      reloadListing().catch(() => {});
    } else if (codeOf(e) !== 'INVALID_INPUT') {
      audit('set', 'failed', service, key);
    }
  }
}

async function onDelete() {
  const row = selected;
  if (!row || !vault) return;
  el.confirmText.textContent = `Delete ${row.service} / ${row.key}? The value is gone for good unless you have a backup.`;
  el.confirmDialog.returnValue = '';
  el.confirmDialog.showModal();
  const answer = await new Promise((resolve) => {
    el.confirmDialog.addEventListener('close', () => resolve(el.confirmDialog.returnValue), { once: true });
  });
  if (answer !== 'ok' || !vault) return;
  try {
    await loadService(row.service);
    store.clearChanges();
    vault.delete(row.service, row.key);
    await pushService(row.service);
    audit('delete', 'success', row.service, row.key);
    select(null);
    await reloadListing();
  } catch (e) {
    reportWriteError(e);
  }
}

/** @param {SubmitEvent} event */
async function onSaveMapping(event) {
  event.preventDefault();
  const row = selected;
  if (!row) return;
  const variables = el.mappingInput.value.split(',').map((v) => v.trim()).filter(Boolean);
  try {
    const config = check(await api.get('/api/config'));
    store.docs.set('config.json', config.body);
    configRevision = config.etag;
    store.clearChanges();
    if (!vault) return;
    vault.setUserMapping(row.service, row.key, variables.length > 0 ? variables : undefined, nowSeconds());
    if (store.written.has('config.json')) {
      const body = /** @type {Uint8Array} */ (store.docs.get('config.json'));
      const r = await api.call('PUT', '/api/config', { body, headers: { 'If-Match': configRevision || '""', 'Content-Type': 'application/json' } });
      store.clearChanges();
      if (r.status === 409) throw new Conflict('config.json');
      check(r);
      configRevision = r.etag;
      audit('set', 'success', row.service, row.key);
    }
    select(row);
    showBanner(`Saved the variables of ${row.service} / ${row.key}.`);
  } catch (e) {
    reportWriteError(e);
  }
}

// ---------------------------------------------------------------- import

/** @param {Uint8Array} bytes */
function previewImport(bytes) {
  el.importResult.replaceChildren();
  plan = null;
  const config = store.read('config.json');
  if (!config) return;
  const service = el.importService.value.trim();
  try {
    plan = importPlan(bytes, config, rows.map((r) => [r.service, r.key]), service || undefined);
  } catch (e) {
    const lines = messageOf(e).split('\n');
    el.importResult.append(
      h('p', { className: 'summary error', text: lines[0] }),
      h('ul', { className: 'problems' }, lines.slice(1).map((l) => h('li', { text: l }))),
    );
    return;
  } finally {
    bytes.fill(0);
  }
  const existing = new Set(rows.map((r) => r.name));
  const body = plan.planned.map((p) => h('tr', {}, [
    h('td', { className: 'mono', text: p.variable }),
    h('td', { className: 'mono', text: `${p.service} / ${p.key}` }),
    h('td', { text: String(p.line) }),
    h('td', {}, [h('span', { className: existing.has(`${p.service}/${p.key}`) ? 'badge warn' : 'badge ok', text: existing.has(`${p.service}/${p.key}`) ? 'replaces' : 'new' })]),
  ]));
  const table = h('table', { className: 'table' }, [
    h('caption', { className: 'visually-hidden', text: 'Where each variable goes' }),
    h('thead', {}, [h('tr', {}, ['Variable', 'Secret', 'Line', ''].map((t) => {
      const th = h('th', { text: t });
      th.setAttribute('scope', 'col');
      return th;
    }))]),
    h('tbody', {}, body),
  ]);
  const go = h('button', { className: 'primary', text: `Import ${plan.planned.length} secret${plan.planned.length === 1 ? '' : 's'}` });
  go.id = 'import-go';
  go.addEventListener('click', () => { runImport(); });
  el.importResult.append(
    h('p', { className: 'summary', text: `${plan.planned.length} variable${plan.planned.length === 1 ? '' : 's'} ready. Values are not shown.` }),
    ...plan.notes.map((n) => h('p', { className: 'muted small', text: n })),
    h('div', { className: 'table-wrap' }, [table]),
    h('div', { className: 'actions' }, [go]),
  );
}

async function runImport() {
  if (!plan || !vault) return;
  const current = plan;
  plan = null;
  /** @type {Map<string, typeof current.planned>} */
  const byService = new Map();
  for (const p of current.planned) {
    const list = byService.get(p.service) || [];
    list.push(p);
    byService.set(p.service, list);
  }
  let done = 0;
  try {
    for (const [service, entries] of byService) {
      await loadService(service);
      store.clearChanges();
      for (const p of entries) vault.set(service, p.key, p.value, nowSeconds());
      await pushService(service);
      done += entries.length;
      audit('import', 'success', service);
    }
    el.importText.value = '';
    el.importResult.replaceChildren(h('p', { className: 'summary ok', text: `Imported ${done} secret${done === 1 ? '' : 's'}.` }));
  } catch (e) {
    el.importResult.replaceChildren(h('p', { className: 'summary error', text: `Imported ${done}; then: ${messageOf(e)}` }));
    reportWriteError(e);
  } finally {
    for (const p of current.planned) p.value = '';
    await reloadListing();
  }
}

// ---------------------------------------------------------------- audit and preflight views

async function showAudit() {
  const r = check(await api.get('/api/audit'));
  // With the vault open, the MACs are checked too.
  const result = vault ? vault.auditVerify(r.body) : auditVerify(r.body);
  const { lines, bad } = auditLines(r.body);
  const badSet = new Set(bad);
  // The sentence is the core's (the CLI's `audit --verify` prints the same).
  el.auditSummary.textContent = result.summary.charAt(0).toUpperCase() + result.summary.slice(1);
  el.auditSummary.className = result.firstBroken === null ? 'summary ok' : 'summary error';
  const recent = lines.slice(-AUDIT_SHOWN).reverse();
  el.auditBody.replaceChildren(...recent.map((l) => {
    const tr = h('tr', {}, [
      h('td', { text: String(l.seq) }),
      h('td', { className: 'mono', text: l.timestamp.replace('T', ' ').replace('Z', '') }),
      h('td', { text: l.operation }),
      h('td', { className: 'mono', text: l.service ? `${l.service}${l.key ? ` / ${l.key}` : ''}` : '—' }),
      h('td', {}, [h('span', { className: `badge ${l.status === 'success' ? 'ok' : 'warn'}`, text: l.status })]),
      h('td', { text: l.user }),
      h('td', { text: l.source }),
    ]);
    if (l.number === result.firstBroken) {
      tr.className = 'broken';
      tr.title = `This line fails verification: ${result.reason}`;
    }
    return tr;
  }));
  for (const n of [...badSet].reverse()) {
    const tr = h('tr', { className: 'broken' }, [h('td', { text: '?' }), h('td', { text: `line ${n} is not an audit event` })]);
    tr.lastElementChild?.setAttribute('colspan', '6');
    el.auditBody.prepend(tr);
  }
}

async function showPreflight() {
  const r = check(await api.get('/api/preflight'));
  const report = r.json;
  el.preflightSummary.textContent = report.ok ? 'All checks passed.' : `${report.problems} problem${report.problems === 1 ? '' : 's'} in ${report.dir}`;
  el.preflightSummary.className = report.ok ? 'summary ok' : 'summary error';
  el.preflightBody.replaceChildren(...report.checks.map((/** @type {{ check: string, status: string, detail: string, fix?: string }} */ c) => h('tr', { className: c.status === 'fail' ? 'broken' : '' }, [
    h('td', {}, [h('span', { className: `badge ${c.status === 'ok' ? 'ok' : c.status === 'fail' ? 'bad' : ''}`, text: c.status })]),
    h('td', { className: 'mono', text: c.check }),
    h('td', { text: c.fix ? `${c.detail}. Fix: ${c.fix}` : c.detail }),
  ])));
}

/** @param {string} name */
function showView(name) {
  for (const view of ['secrets', 'import', 'audit', 'preflight']) {
    byId(`view-${view}`, HTMLElement).hidden = view !== name;
  }
  for (const tab of document.querySelectorAll('.tab')) {
    if (!(tab instanceof HTMLElement)) continue;
    if (tab.dataset.view === name) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  const load = name === 'audit' ? showAudit : name === 'preflight' ? showPreflight : null;
  if (load) load().catch((e) => showBanner(messageOf(e), { kind: 'error' }));
  if (name === 'secrets') renderList();
}

// ---------------------------------------------------------------- wiring

function activity() {
  lastActivity = Date.now();
}

function wire() {
  el.unlockForm.addEventListener('submit', onUnlock);
  el.lockButton.addEventListener('click', lock);
  el.bannerClose.addEventListener('click', hideBanner);
  el.bannerAction.addEventListener('click', () => {
    hideBanner();
    reloadListing().catch((e) => showBanner(messageOf(e), { kind: 'error' }));
  });
  el.search.addEventListener('input', applyFilter);
  el.filter.addEventListener('change', applyFilter);
  el.list.addEventListener('scroll', () => requestAnimationFrame(renderList), { passive: true });
  el.list.addEventListener('keydown', onListKey);
  window.addEventListener('resize', () => renderList());
  el.addButton.addEventListener('click', () => openSecretDialog(null));
  el.refreshButton.addEventListener('click', () => reloadListing().catch((e) => showBanner(messageOf(e), { kind: 'error' })));
  // Changes by the CLI or another tab show up when the page comes back into view.
  window.addEventListener('focus', () => { if (vault) reloadListing().catch(() => {}); });
  el.editButton.addEventListener('click', () => openSecretDialog(selected));
  el.secretCancel.addEventListener('click', () => { el.secretValue.value = ''; el.secretDialog.close(); });
  el.secretForm.addEventListener('submit', onSaveSecret);
  el.revealButton.addEventListener('click', onReveal);
  el.copyButton.addEventListener('click', onCopy);
  el.deleteButton.addEventListener('click', onDelete);
  el.mappingForm.addEventListener('submit', onSaveMapping);
  el.importPreview.addEventListener('click', () => previewImport(new TextEncoder().encode(el.importText.value)));
  el.importFile.addEventListener('change', async () => {
    const file = el.importFile.files && el.importFile.files[0];
    el.importFile.value = '';
    if (file) previewImport(new Uint8Array(await file.arrayBuffer()));
  });
  el.dropZone.addEventListener('dragover', (e) => { e.preventDefault(); el.dropZone.classList.add('over'); });
  el.dropZone.addEventListener('dragleave', () => el.dropZone.classList.remove('over'));
  el.dropZone.addEventListener('drop', async (e) => {
    e.preventDefault();
    el.dropZone.classList.remove('over');
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file) previewImport(new Uint8Array(await file.arrayBuffer()));
  });
  el.auditRefresh.addEventListener('click', () => showAudit().catch((e) => showBanner(messageOf(e), { kind: 'error' })));
  el.preflightRefresh.addEventListener('click', () => showPreflight().catch((e) => showBanner(messageOf(e), { kind: 'error' })));
  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => showView(/** @type {HTMLElement} */ (tab).dataset.view || 'secrets'));
  }
  for (const type of ['pointerdown', 'keydown', 'wheel', 'pointermove']) {
    window.addEventListener(type, activity, { passive: true });
  }
  setInterval(() => {
    if (vault && Date.now() - lastActivity >= IDLE_LOCK_MS) lock();
  }, 5_000);
  document.addEventListener('visibilitychange', () => {
    clearTimeout(hiddenTimer);
    if (document.visibilityState === 'hidden' && vault) hiddenTimer = setTimeout(lock, HIDDEN_LOCK_MS);
  });
}

wire();
if (token === '') {
  el.unlockMessage.textContent = 'This page needs the address that `agent secret ui` printed (it carries the access token).';
  el.unlockButton.disabled = true;
} else {
  el.password.focus();
}
