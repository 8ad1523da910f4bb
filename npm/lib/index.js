'use strict';
// agent-secrets for Node: the project's encrypted vault (.agent/secrets/),
// the very files the `agent` CLI reads and writes, opened through the same
// Rust core compiled to WebAssembly. This file is the JavaScript face of
// it: options and defaults as the CLI has them, the file store, WebCrypto
// for the password key, and an audit line per operation. Every format,
// crypto and naming decision is the core's.

// First: starts compiling the wasm module in the background while the
// rest of the package (and Node's crypto) loads.
const { loaded, ready } = require('./wasm.js');

const os = require('node:os');
const path = require('node:path');

const { runChild } = require('./child.js');
const { AgentSecretsError, codes, core, fromCore, invalidInput } = require('./errors.js');
const { FileStore, lockTimeoutFromEnv } = require('./fs-store.js');
const { derivePasswordKey } = require('./kdf.js');
const { alertCommand } = require('./user-config.js');
const { openWithSession } = require('./session.js');

/** The vault folder when neither `dir` nor AGENT_SECRETS_DIR says otherwise. */
const DEFAULT_DIR = path.join('.agent', 'secrets');
/** `source` of this package's audit lines. */
const AUDIT_SOURCE = 'node';

function nowSeconds() {
  return Date.now() / 1000;
}

/** The vault folder: `dir`, else AGENT_SECRETS_DIR, else .agent/secrets under process.cwd(). */
function defaultDir(processEnv = process.env) {
  const fromEnv = processEnv.AGENT_SECRETS_DIR;
  return typeof fromEnv === 'string' && fromEnv !== '' ? fromEnv : DEFAULT_DIR;
}

/** `store.isInitialized()` with a failure reported as the CLI does (IO). */
function initialized(store) {
  try {
    return store.isInitialized();
  } catch (e) {
    throw new AgentSecretsError(
      `Cannot read ${e.location || 'the vault folder'}. Check permissions. (${e.message})`, codes.IO);
  }
}

function optionsObject(options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw invalidInput('Options must be an object.');
  return options;
}

function storeFor(options) {
  const processEnv = options.processEnv || process.env;
  let dir = options.dir;
  if (dir === undefined) dir = defaultDir(processEnv);
  if (typeof dir !== 'string' || dir === '') {
    throw invalidInput('The vault folder (dir) must be a non-empty string.');
  }
  let lockTimeoutMs = options.lockTimeoutMs;
  if (lockTimeoutMs === undefined) {
    lockTimeoutMs = lockTimeoutFromEnv(processEnv);
  } else if (typeof lockTimeoutMs !== 'number' || !(lockTimeoutMs >= 0)) {
    throw invalidInput('lockTimeoutMs must be a number of milliseconds.');
  }
  return new FileStore(dir, { lockTimeoutMs });
}

/** The password from the options, else AGENT_SECRETS_PASSWORD; checked, never echoed. */
function passwordFor(options) {
  const processEnv = options.processEnv || process.env;
  if (options.password !== undefined) {
    if (typeof options.password !== 'string') throw invalidInput('The password must be a string.');
    if (options.password === '') throw invalidInput('The password is empty.');
    return options.password;
  }
  const fromEnv = processEnv.AGENT_SECRETS_PASSWORD;
  if (typeof fromEnv === 'string' && fromEnv !== '') return fromEnv;
  throw invalidInput(
    'No master password: pass { password } or set AGENT_SECRETS_PASSWORD.',
  );
}

function checkName(what, name) {
  if (typeof name !== 'string') {
    throw new AgentSecretsError(`Invalid ${what} name (not a string).`, codes.INVALID_NAME);
  }
}

/** The operating-system user, as the CLI records it. */
function auditUser(processEnv) {
  for (const name of ['USER', 'LOGNAME']) {
    const v = processEnv[name];
    if (typeof v === 'string' && v !== '') return v;
  }
  return typeof process.getuid === 'function' ? `uid-${process.getuid()}` : os.userInfo().username;
}

/**
 * Appends one audit line (the core chains it, under the lock; MAC'ed with
 * the vault's audit key when `inner`, an open vault, is given). A failure
 * to write it is a warning; the operation's own outcome stands, as in the CLI.
 */
function audit(store, processEnv, operation, outcome, service, key, inner) {
  // The core's rule, as the CLI's: undefined when nothing is recorded (bad
  // input never reached the vault).
  const code = outcome.error === undefined ? undefined : String(outcome.error.code);
  const status = loaded().auditStatus(code, outcome.fromEnv === true);
  if (status === undefined) return;
  try {
    if (!store.isInitialized()) return; // no vault: nothing to append to
    const user = auditUser(processEnv);
    if (inner) {
      inner.appendAudit(operation, status, service, key, user, AUDIT_SOURCE, nowSeconds());
    } else {
      loaded().appendAudit(store, operation, status, service, key, user, AUDIT_SOURCE,
        nowSeconds());
    }
  } catch (e) {
    const err = fromCore(e);
    process.emitWarning(`the audit line was not written: ${err.message}`, 'AgentSecretsWarning');
  }
  if (status === 'unauthorized' || status === 'locked') checkAlert(store, processEnv);
}

/**
 * After a failed unlock, as the CLI: the core decides from the config.json
 * `alerts` thresholds and the audit log, and appends the `alert` line;
 * here, the warning and the user's alert command (AGENT_SECRETS_ALERT_COMMAND
 * or the user configuration file, never the vault's config.json; no shell),
 * which gets that line as one JSON line on stdin and an environment without
 * the master passwords.
 */
function checkAlert(store, processEnv) {
  let alert;
  try {
    alert = loaded().alertAfterFailure(store, auditUser(processEnv), AUDIT_SOURCE, nowSeconds());
  } catch (e) {
    const err = fromCore(e);
    process.emitWarning(`the alert was not written to the audit trail: ${err.message}`,
      'AgentSecretsWarning');
    return;
  }
  if (alert === null || alert === undefined) return;
  process.emitWarning(alert.message, 'AgentSecretsWarning');
  let choice;
  try {
    choice = core(() => alertCommand(processEnv));
  } catch (e) {
    process.emitWarning(`the alert command was not looked up: ${fromCore(e).message}`,
      'AgentSecretsWarning');
    return;
  }
  if (choice.warning !== undefined) process.emitWarning(choice.warning, 'AgentSecretsWarning');
  if (!Array.isArray(choice.command) || choice.command.length === 0) return;
  const [program, ...args] = choice.command;
  const r = runChild(program, args, processEnv, {
    input: `${alert.line}\n`, stdio: ['pipe', 'ignore', 'inherit'],
  });
  if (r.error) {
    process.emitWarning(`the alert command ${program} could not start (${r.error.code || r.error.message}).`,
      'AgentSecretsWarning');
  } else if (r.status !== 0) {
    process.emitWarning(`the alert command ${program} failed.`, 'AgentSecretsWarning');
  }
}

/**
 * Runs `f` (a core call), records its audit line (MAC'ed when `inner`, the
 * open vault, is given), returns or rethrows.
 */
function audited(store, processEnv, operation, service, key, f, fromEnv = () => false, inner) {
  let result;
  try {
    result = core(f);
  } catch (e) {
    // A trap inside the wasm module (not a core error) can leave the write
    // lock held by this live process, blocking every other writer: release it.
    if (!(e instanceof AgentSecretsError) && store.held !== null) {
      try { store.unlock(); } catch { /* the original error matters more */ }
    }
    audit(store, processEnv, operation, { error: e }, service, key, inner);
    throw e;
  }
  audit(store, processEnv, operation, { fromEnv: fromEnv(result) }, service, key, inner);
  return result;
}

/** `{ value, source, variable? }` as the package returns it. */
function resolvedOut(r) {
  return r.source === 'env'
    ? { value: r.value, source: 'env', variable: r.variable }
    : { value: r.value, source: 'vault' };
}

function providerOut(p) {
  const credentials = {};
  for (const [key, r] of Object.entries(p.credentials)) credentials[key] = resolvedOut(r);
  return { provider: p.provider, credentials, missing: [...p.missing] };
}

/** An unlocked vault. Methods are synchronous; `close()` wipes the keys. */
class Vault {
  constructor(inner, store, processEnv) {
    this._inner = inner;
    this._store = store;
    this._env = processEnv;
  }

  /** The vault folder (absolute). */
  get dir() {
    return this._store.dir;
  }

  _open() {
    if (this._inner === null) {
      throw invalidInput('This vault is closed; open it again with openVault().');
    }
    return this._inner;
  }

  _audited(operation, service, key, f, fromEnv) {
    const inner = this._open();
    return audited(this._store, this._env, operation, service, key, () => f(inner), fromEnv,
      inner);
  }

  /** The value of service/key (NOT_FOUND if the vault lacks it). */
  get(service, key) {
    checkName('service', service);
    checkName('key', key);
    return this._audited('get', service, key, (v) => v.get(service, key));
  }

  /** Stores a string value: 'created' or 'updated'. */
  set(service, key, value) {
    checkName('service', service);
    checkName('key', key);
    this._open();
    if (typeof value !== 'string') throw invalidInput('The value must be a string.');
    return this._audited('set', service, key, (v) => v.set(service, key, value, nowSeconds()));
  }

  /** Removes service/key (NOT_FOUND if absent). */
  delete(service, key) {
    checkName('service', service);
    checkName('key', key);
    this._audited('delete', service, key, (v) => v.delete(service, key));
  }

  /** Names and metadata, never values: `{ services, problems }`. */
  list(service) {
    if (service !== undefined) checkName('service', service);
    return this._audited('list', service, undefined, (v) => v.list(service));
  }

  /** Vault first, then the mapped environment variables: `{ value, source, variable? }`. */
  resolve(service, key) {
    checkName('service', service);
    checkName('key', key);
    const r = this._audited('get', service, key, (v) => v.resolve(service, key, this._env),
      (out) => out.source === 'env');
    return resolvedOut(r);
  }

  /** A known provider's credentials (openai, anthropic, gemini, supabase), vault then environment. */
  providerConfig(name) {
    checkName('provider', name);
    const inner = this._open();
    const p = core(() => inner.providerConfig(name, this._env));
    recordProvider(this._store, this._env, p, inner);
    return providerOut(p);
  }

  /**
   * The variables the CLI's mapping gives for these services' secrets (all
   * when omitted), with values; one `run` line, as `agent secret run`. The
   * core's plan, as the CLI's: a variable that steers a loader, shell or
   * interpreter (`LD_PRELOAD`, …) is left out, and a variable two secrets
   * map to is set by the first; each with an AgentSecretsWarning.
   */
  envVars(services) {
    if (services !== undefined) {
      if (!Array.isArray(services)) throw invalidInput('services must be an array of names.');
      for (const s of services) checkName('service', s);
    }
    const service = Array.isArray(services) && services.length === 1 ? services[0] : undefined;
    const plan = this._audited('run', service, undefined, (v) => v.envVars(services));
    for (const w of plan.warnings) process.emitWarning(w, 'AgentSecretsWarning');
    return plan.vars;
  }

  /** Wipes the keys; the object cannot be used afterwards. */
  close() {
    if (this._inner !== null) {
      this._inner.free();
      this._inner = null;
    }
  }
}

/** One `get` line per credential of a provider, with its own status. */
function recordProvider(store, processEnv, p, inner) {
  for (const [key, r] of Object.entries(p.credentials)) {
    audit(store, processEnv, 'get', { fromEnv: r.source === 'env' }, p.provider, key, inner);
  }
  for (const key of p.missing) {
    audit(store, processEnv, 'get', { error: { code: codes.NOT_FOUND } }, p.provider, key,
      inner);
  }
}

/**
 * The core's `unlockParams` (the attempt counted before any derivation),
 * waiting as the CLI does while as many attempts as the lockout allows are
 * running in other processes (the lock's pauses, up to the lock timeout).
 */
async function beginUnlock(wasm, store, lockTimeoutMs) {
  const started = Date.now();
  for (let attempt = 0; ; attempt += 1) {
    try {
      return core(() => wasm.unlockParams(store, nowSeconds()));
    } catch (e) {
      if (e.retry !== true || Date.now() - started >= lockTimeoutMs) throw e;
    }
    await new Promise((done) => setTimeout(done, wasm.lockPauseMs(attempt)));
  }
}

/**
 * Opens the vault: `{ dir?, password?, processEnv?, lockTimeoutMs?, session? }`.
 * While a session is open for it (`agent secret unlock`, the same user),
 * the session agent's vault key opens it: no password, no KDF, and its
 * audit lines say `"auth": "session"`; `session: false` or
 * AGENT_SECRETS_NO_SESSION=1 in `processEnv` use the password regardless.
 * Otherwise the core counts the attempt first (refused while locked out), then the
 * password key is derived with WebCrypto for each password recipient, and
 * the core verifies config.json's MAC before using anything in it; a wrong
 * password stays counted toward the lockout, as in the CLI.
 * A failed open is audited (`unlock`); a successful one is not, since
 * each operation on the vault writes its own line (the CLI's one line per
 * command).
 * @returns {Promise<Vault>}
 */
async function openVault(options) {
  options = optionsObject(options);
  const processEnv = options.processEnv || process.env;
  const store = storeFor(options);
  // A password given is checked now; the environment's is looked at only
  // when no session opens the vault.
  const given = options.password !== undefined ? passwordFor(options) : undefined;
  if (options.session !== undefined && typeof options.session !== 'boolean') {
    throw invalidInput('session must be true or false.');
  }
  let inner;
  try {
    // The background compile may still run; nothing is derived before the
    // core has read config.json and checked the lockout (unlockParams).
    const wasm = await ready();
    // An open session (`agent secret unlock`): no password, no KDF.
    if (options.session !== false && initialized(store)) {
      try {
        inner = await openWithSession(wasm, store, processEnv, nowSeconds);
      } catch (e) {
        throw fromCore(e);
      }
      if (inner !== undefined) return new Vault(inner, store, processEnv);
    }
    // The core's warnings before the password is tried, as the CLI's: a
    // command planted in config.json (never run), a corrupt state.json (its
    // count starts again from zero).
    for (const w of core(() => wasm.unlockWarnings(store, nowSeconds()))) {
      process.emitWarning(w, 'AgentSecretsWarning');
    }
    const password = given !== undefined ? given : passwordFor(options);
    const params = await beginUnlock(wasm, store, store.lockTimeoutMs());
    for (const r of params.recipients) {
      const key = await derivePasswordKey(password, r.salt, r.iterations);
      try {
        inner = core(() => wasm.Vault.unlockWithPasswordKey(store, r.recipient, key, nowSeconds()));
        break;
      } catch (e) {
        if (e.code !== codes.WRONG_PASSWORD) throw e;
      } finally {
        key.fill(0);
      }
    }
    // No recipient opened: the core counts the wrong password and says how many are left.
    if (inner === undefined) core(() => wasm.failUnlock(store, nowSeconds()));
  } catch (e) {
    audit(store, processEnv, 'unlock', { error: e });
    throw e;
  }
  return new Vault(inner, store, processEnv);
}

async function withVault(options, f) {
  const vault = await openVault(options);
  try {
    return f(vault);
  } finally {
    vault.close();
  }
}

/**
 * Fills `processEnv` (default process.env) from the vault with the CLI's
 * env mapping, like dotenv's config(): `{ dir?, password?, services?,
 * override?, processEnv? }`. Variables already set are kept unless
 * `override` is true. Returns the names set and the names kept, never values.
 * @returns {Promise<{ loaded: string[], skipped: string[] }>}
 */
async function loadEnv(options) {
  options = optionsObject(options);
  const target = options.processEnv || process.env;
  const { services, override = false } = options;
  if (typeof override !== 'boolean') throw invalidInput('override must be true or false.');
  return withVault(options, (vault) => {
    const vars = vault.envVars(services); // its `run` line
    const loaded = [];
    const skipped = [];
    for (const { variable, value } of vars) {
      if (!override && target[variable] !== undefined) {
        if (!skipped.includes(variable)) skipped.push(variable);
        continue;
      }
      target[variable] = value;
      loaded.push(variable);
    }
    return { loaded, skipped };
  });
}

/**
 * One secret, vault first, then its mapped environment variables, with
 * the source. Without a vault (none initialized) only the environment is
 * asked, and NOT_INITIALIZED is thrown if it lacks the variable too.
 * @returns {Promise<{ value: string, source: 'vault' | 'env', variable?: string }>}
 */
async function resolve(service, key, options) {
  options = optionsObject(options);
  checkName('service', service);
  checkName('key', key);
  const processEnv = options.processEnv || process.env;
  const store = storeFor(options);
  if (!initialized(store)) {
    const wasm = await ready();
    try {
      return resolvedOut(core(() => wasm.resolveEnv(service, key, processEnv)));
    } catch (e) {
      if (e.code === codes.NOT_FOUND) {
        throw new AgentSecretsError(
          'Vault not initialized. Run `agent secret init` to create it.', codes.NOT_INITIALIZED);
      }
      throw e;
    }
  }
  return withVault(options, (vault) => vault.resolve(service, key));
}

/**
 * A known provider's credentials, vault first, then environment, each
 * with its source; the ones found nowhere are listed in `missing`.
 */
async function providerConfig(name, options) {
  options = optionsObject(options);
  checkName('provider', name);
  const processEnv = options.processEnv || process.env;
  const store = storeFor(options);
  if (!initialized(store)) {
    const wasm = await ready();
    return providerOut(core(() => wasm.providerConfigEnv(name, processEnv)));
  }
  return withVault(options, (vault) => vault.providerConfig(name));
}

/** Names and metadata without the password: `{ services, problems }`. */
function list(service, options) {
  options = optionsObject(options);
  if (service !== undefined) checkName('service', service);
  const store = storeFor(options);
  const processEnv = options.processEnv || process.env;
  return audited(store, processEnv, 'list', service, undefined, () => loaded().list(store, service));
}

/** The vault's state without the password. */
function status(options) {
  options = optionsObject(options);
  const store = storeFor(options);
  return core(() => loaded().status(store));
}

/** The variables a secret maps to, preferred first (the CLI's mapping). */
function envVarsFor(service, key) {
  checkName('service', service);
  checkName('key', key);
  return core(() => loaded().envVarsFor(service, key));
}

module.exports = {
  openVault,
  loadEnv,
  resolve,
  providerConfig,
  list,
  status,
  envVarsFor,
  defaultDir,
  AgentSecretsError,
  codes,
  Vault,
};
