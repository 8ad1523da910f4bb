/* tslint:disable */
/* eslint-disable */

/** A document the password-free reads could not use; the others were still read. */
export interface AgentSecretsProblem { code: string; message: string; }
/** Names and metadata of secrets, never values. Timestamps are RFC 3339 UTC. */
export interface AgentSecretsListing {
    services: { service: string; secrets: { key: string; key_id: string; created_at: string; updated_at: string }[] }[];
    problems: AgentSecretsProblem[];
}
/** The vault's state, readable without the password. */
export interface AgentSecretsStatus {
    iterations: number;
    vault_key_id: string;
    recipients: string[];
    active_key: string;
    key_ids: string[];
    services: number;
    secrets: number;
    lockout: { max_attempts: number; base_delay_seconds: number; max_delay_seconds: number };
    alerts: { failed_unlocks: number; window_seconds: number } | null;
    created_at: string;
    updated_at: string;
    problems: AgentSecretsProblem[];
}



/** One password recipient's PBKDF2 parameters, in the order to try them. */
export interface AgentSecretsRecipientParams { recipient: string; iterations: number; salt: Uint8Array; }
/** What `unlockParams` returns, after the attempt was counted. */
export interface AgentSecretsUnlockParams { recipients: AgentSecretsRecipientParams[]; }



/** The system calls of the write lock for one vault folder; every method is synchronous. */
export interface AgentSecretsLockPrimitives {
    /** Exclusive create (O_CREAT|O_EXCL, 0600) of `name` with `bytes`: true, or false if the name exists. */
    createExclusive(name: string, bytes: Uint8Array): boolean;
    /** The file's bytes, read as every file of the folder is (no link, regular, capped), or null. */
    read(name: string): Uint8Array | null;
    /** Unlinks the file; absent is not an error. */
    remove(name: string): void;
    /** Milliseconds since the file was modified, or undefined if there is none. */
    ageMs(name: string): number | undefined;
    /** Whether a process with this id exists on this host (kill(pid, 0)). */
    pidAlive(pid: number): boolean;
    /** Pauses synchronously. */
    sleep(ms: number): void;
    /** The wall clock, milliseconds since the Unix epoch. */
    nowMs(): number;
    /** A monotonic clock in milliseconds. */
    monotonicMs(): number;
    /** This machine's host name. */
    host(): string;
    /** This process's id. */
    pid(): number;
    /**
     * Optional: 8 random bytes for the holder line's nonce (uniqueness, not
     * secrecy). Without it, or if it throws or returns anything else, the
     * nonce comes from `crypto.getRandomValues`.
     */
    nonce?(): Uint8Array;
}
/** What `inspectLock` found. */
export interface AgentSecretsLockState { state: "free" | "held" | "stale" | "refused"; detail?: string; }



/** What `alertAfterFailure` returns when it raised an alert. */
export interface AgentSecretsAlert {
    line: string;
    message: string;
    failedUnlocks: number;
    windowSeconds: number;
}



/** What `auditVerify` found: lines read and the first broken one (1-based), if any. */
export interface AgentSecretsAuditCheck { lines: number; firstBroken: number | null; reason: string | null; macsChecked: boolean; authenticated: number; summary: string; }
/** The audit lines that parse, and the numbers of those that do not. */
export interface AgentSecretsAuditLines {
    lines: { number: number; timestamp: string; operation: string; service?: string; key?: string; status: string; user: string; source: string; seq: number; prev: string }[];
    bad: number[];
}
/** A secret's variables and where the mapping comes from. */
export interface AgentSecretsMapping { variables: string[]; origin: "user" | "builtin" | "key" | "rule"; }
/** The plan of a `.env` import; values are for the page only. */
export interface AgentSecretsImportPlan {
    planned: { service: string; key: string; variable: string; line: number; value: string }[];
    notes: string[];
}



/** What `envVars` sets, and the warnings for what it leaves out. */
export interface AgentSecretsEnvPlan { vars: AgentSecretsEnvVar[]; warnings: string[]; }
/** A value and where it came from. */
export interface AgentSecretsResolved { value: string; source: "vault" | "env"; variable?: string; }
/** One variable `envVars` would set. */
export interface AgentSecretsEnvVar { variable: string; service: string; key: string; value: string; }
/** A provider's credentials, vault first, then the environment. */
export interface AgentSecretsProviderConfig {
    provider: string;
    credentials: Record<string, AgentSecretsResolved>;
    missing: string[];
}



/** What the front end found at the user configuration file's path. */
export type AgentSecretsUserConfigFile =
| { state: "absent" }
| { state: "symlink" }
| { state: "unreadable"; reason: string }
| { state: "opened"; regular: boolean; owner: number; mode: number; bytes: Uint8Array };
/** What `alertCommand` decided. */
export interface AgentSecretsAlertCommand { command?: string[]; warning?: string; }



/** Where a vault's documents live; every method is synchronous and may throw. */
export interface AgentSecretsStore {
    /** The document's contents, or null/undefined if there is none. */
    read(name: string): string | Uint8Array | null | undefined;
    /** Replaces the document atomically. */
    write(name: string, bytes: Uint8Array): void;
    /** Removes the document; absent is not an error. */
    remove(name: string): void;
    /** Names of every document. */
    list(): string[];
    /** Takes the vault's write lock. */
    lock(): void;
    /** Releases the write lock. */
    unlock(): void;
    /** Optional: appends bytes to the document, creating it if absent. */
    append?(name: string, bytes: Uint8Array): void;
    /** Optional: at most the last `max` bytes of the document, or null. */
    readTail?(name: string, max: number): string | Uint8Array | null | undefined;
    /** Optional: replaces the document atomically without waiting for the disk (else `write`). */
    writeUnsynced?(name: string, bytes: Uint8Array): void;
}



/**
 * An unlocked vault: the data keys are held inside the wasm module until
 * `free()` is called or the object is collected.
 */
export class Vault {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Appends one audit line for an operation on this open vault, MAC'ed
     * with its audit key (so that nobody without the password can forge
     * or edit it), with `"auth": "session"` when a session's key opened
     * it; same arguments as the free `appendAudit`.
     */
    appendAudit(operation: string, status: string, service: string | null | undefined, key: string | null | undefined, user: string, source: string, nowUnixSeconds: number): void;
    /**
     * Like the free `auditNextLine`, MAC'ed with this open vault's audit
     * key (the server appends it only where it chains).
     */
    auditNextLine(tail: Uint8Array | number[], operation: string, status: string, service: string | null | undefined, key: string | null | undefined, user: string, nowUnixSeconds: number): string;
    /**
     * Checks a whole audit log's chain and, with this vault's audit key,
     * its MACs: `{ lines, firstBroken, reason }`.
     */
    auditVerify(log: Uint8Array | number[]): AgentSecretsAuditCheck;
    /**
     * Removes `service`/`key`.
     */
    delete(service: string, key: string): void;
    /**
     * Every document of the store as an object of name -> text, for a
     * browser to persist after a change. The documents hold ciphertext
     * only.
     */
    documents(): Record<string, string>;
    /**
     * The variables the secrets of `services` (all services when
     * `undefined`) set, each with its value, by the core's
     * [`env::plan_env`] (as `agent secret run`): `{ vars, warnings }`,
     * `warnings` naming what is left out (a variable that never carries
     * a secret, a variable two secrets map to). A service document that
     * cannot be read fails the whole call (nothing half-loaded).
     */
    envVars(services?: string[] | null): AgentSecretsEnvPlan;
    /**
     * The value of `service`/`key`.
     */
    get(service: string, key: string): string;
    /**
     * Creates a vault in `store` (refused if it has a `config.json`). The
     * password must pass the core's strength rule (the core's `init`
     * checks it); `iterations` must be within 100,000 to 10,000,000.
     */
    static init(store: AgentSecretsStore, password: string, iterations: number, nowUnixSeconds: number): Vault;
    /**
     * Like the free function `list`, on this vault's store.
     */
    list(service?: string | null): AgentSecretsListing;
    /**
     * A known provider's credentials (openai, anthropic, gemini,
     * supabase), vault first, then `env`; an unknown provider is
     * `NOT_FOUND`.
     */
    providerConfig(name: string, env: Record<string, string | undefined>): AgentSecretsProviderConfig;
    /**
     * The value of `service`/`key` from the vault, else from the mapped
     * variables of `env`: `{ value, source, variable? }`.
     */
    resolve(service: string, key: string, env: Record<string, string | undefined>): AgentSecretsResolved;
    /**
     * Sets (`variables`) or removes (`null`) the user mapping of
     * `service`/`key` in this vault's `config.json` (re-MAC'ed), with the
     * core's checks; the caller sends the new `config.json` to the server.
     */
    setUserMapping(service: string, key: string, variables: string[] | null | undefined, nowUnixSeconds: number): void;
    /**
     * Stores `value` under `service`/`key`: `"created"` or `"updated"`.
     */
    set(service: string, key: string, value: string, nowUnixSeconds: number): "created" | "updated";
    /**
     * Like the free function `status`, on this vault's store.
     */
    status(): AgentSecretsStatus;
    /**
     * Opens the vault in `store` with a password key the caller derived
     * (PBKDF2-HMAC-SHA256, 32 bytes, with `recipient`'s parameters from
     * `unlockParams`, which counted the attempt; the npm package uses
     * WebCrypto). The MAC of `config.json` is verified before anything in
     * it is used. A key that opens nothing throws the plain
     * `WRONG_PASSWORD` and leaves the attempt counted: try the next
     * recipient, then call `failUnlock`. The key bytes handed over are
     * wiped here; the caller wipes its own copy.
     */
    static unlockWithPasswordKey(store: AgentSecretsStore, recipient: string, passwordKey: Uint8Array | number[], nowUnixSeconds: number): Vault;
    /**
     * Opens the vault in `store` with a session agent's answer `frame` (a
     * whole frame; the caller wipes its copy): no password, no KDF. The
     * key's id must be the vault's current one and `config.json` must
     * verify under it. `undefined` when the session has ended; a miss
     * (the vault was rotated or replaced) throws the core's miss
     * (`WRONG_PASSWORD`), after which the caller uses the password.
     */
    static unlockWithSession(store: AgentSecretsStore, frame: Uint8Array | number[], nowUnixSeconds: number): Vault | undefined;
    /**
     * Opens the vault in `store` with the password. Wrong passwords count
     * toward the lockout (`state.json` in the store); `nowUnixSeconds` is
     * the current time.
     */
    static unlock(store: AgentSecretsStore, password: string, now_unix_seconds: number): Vault;
}

/**
 * Takes the write lock of the folder shown as `folder` (ending in `/`)
 * for `tool` (`"node"` or `"ui"`; `"cli"` too), waiting up to `timeoutMs`
 * (`undefined`: the default) for a live holder. Returns the bytes written
 * to `.lock`, the proof `releaseLock` needs.
 */
export function acquireLock(io: AgentSecretsLockPrimitives, folder: string, timeout_ms: number | null | undefined, tool: string): Uint8Array;

/**
 * After a failed unlock: the core's [`operation::alert_after_failure`].
 * When `config.json` has `alerts` thresholds and the failed unlocks
 * reach them, it appends an `alert` line (status `failed`) and this
 * returns `{ line, message, failedUnlocks, windowSeconds }` (`line` is
 * the appended audit line as JSON, for the user's alert command,
 * `alertCommand`: never one from the vault's `config.json`; `message`
 * the warning to show); otherwise `null`. A failure to append the line
 * is thrown.
 */
export function alertAfterFailure(store: AgentSecretsStore, user: string, source: string, nowUnixSeconds: number): AgentSecretsAlert | null;

/**
 * The alert command ([`user_config::alert_command`]): `envValue` is
 * `AGENT_SECRETS_ALERT_COMMAND`, `file` what the package found at `path`
 * (opened without following a link, without blocking), `user` the
 * effective uid. `{ command?, warning? }`.
 */
export function alertCommand(envValue: string | null | undefined, path: string | null | undefined, file: AgentSecretsUserConfigFile, user: number): AgentSecretsAlertCommand;

/**
 * Appends one audit line for an operation of a front end (`source`:
 * `"node"` for the npm package), under the store's write lock.
 * `operation` and `status` are the names of the audit format
 * (`"get"`, `"success"`, …); service and key names that are not valid
 * names are left out, so nothing but a name reaches the log.
 */
export function appendAudit(store: AgentSecretsStore, operation: string, status: string, service: string | null | undefined, key: string | null | undefined, user: string, source: string, nowUnixSeconds: number): void;

/**
 * The lines of an audit log that parse (as stored, each with its line
 * `number`) and the numbers of those that do not.
 */
export function auditLines(log: Uint8Array | number[]): AgentSecretsAuditLines;

/**
 * The audit line (with its newline) the page sends to the server for an
 * operation of its own (`source` `ui`) made without the vault open (a
 * failed unlock), chained after the log whose last bytes are `tail`, with
 * no MAC. Names that are not valid names are left out. An open vault's
 * lines come from `Vault.auditNextLine`.
 */
export function auditNextLine(tail: Uint8Array | number[], operation: string, status: string, service: string | null | undefined, key: string | null | undefined, user: string, nowUnixSeconds: number): string;

/**
 * The audit status (`"success"`, `"unauthorized"`, …) an operation's
 * line is recorded with, by the core's [`operation::audit_status`]:
 * `code` is the `code` of the error it failed with (`undefined` when it
 * succeeded; the package's `INVALID_NAME` is a core `INVALID_INPUT`; an
 * unknown code a failure), `fromEnv` whether a value came from an
 * environment variable. `undefined` when nothing is recorded (bad input
 * never reached the vault; no vault).
 */
export function auditStatus(code: string | null | undefined, fromEnv: boolean): string | undefined;

/**
 * Checks the hash chain of a whole audit log, without a key (MACs are
 * not checked; `Vault.auditVerify` does): `{ lines, firstBroken, reason,
 * macsChecked, authenticated, summary }` (`summary` is the core's sentence).
 */
export function auditVerify(log: Uint8Array | number[]): AgentSecretsAuditCheck;

/**
 * The 32-byte password key: PBKDF2-HMAC-SHA256 of the password's UTF-8
 * bytes, as the vault derives it, for `Vault.unlockWithPasswordKey`. The
 * parameters must be a recipient's (`unlockParams`): a 16-byte salt and
 * 100,000 to 10,000,000 iterations, else it throws with `code =
 * "INVALID_INPUT"` before any work.
 */
export function deriveKey(password: string, salt: Uint8Array | number[], iterations: number): Uint8Array;

/**
 * The variables a secret maps to without a vault's user mapping,
 * preferred first (the CLI's built-ins and rules).
 */
export function envVarsFor(service_name: string, key_name: string): string[];

/**
 * The last step of an unlock begun with `unlockParams` when no derived
 * key opened a recipient: the attempt counted as a wrong password; always
 * throws the wrong-password error with the attempts left (or the lockout
 * it started).
 */
export function failUnlock(store: AgentSecretsStore, now_unix_seconds: number): void;

/**
 * Why the file `name` (shown as `path`; its `fstat`, or its `lstat` when
 * the open failed) may not be used for `access` by the user `euid`, or
 * `undefined` if it may.
 */
export function fileProblem(path: string, name: string, mode: number, uid: number, nlink: number, size: number, euid: number, access_name: string): string | undefined;

/**
 * Why the vault folder `path` (its `lstat`: `mode`, `uid`) may not be
 * used by the user `euid`, or `undefined` if it may.
 */
export function folderProblem(path: string, mode: number, uid: number, euid: number): string | undefined;

/**
 * The plan of importing the `.env` bytes `file` into a vault with the
 * configuration `config` and the secrets `existing` (`[[service, key],
 * …]`), into `service` if given: `{ planned: [{ service, key, variable,
 * line, value }], notes }`. Any problem fails the whole plan with every
 * `line N: reason` in the message (never a line's content).
 */
export function importPlan(file: Uint8Array | number[], config: Uint8Array | number[], existing: [string, string][], service?: string | null): AgentSecretsImportPlan;

/**
 * Looks at the lock without taking or breaking it:
 * `{ state: "free" | "held" | "stale" | "refused", detail? }`.
 */
export function inspectLock(io: AgentSecretsLockPrimitives, folder: string): any;

/**
 * Whether `name` is a temporary file of ours (the only names ever swept).
 */
export function isTempName(name: string): boolean;

/**
 * Names and metadata of the secrets in `store`, without the password
 * (names are not secret). With `service`, only that one.
 *
 * Returns `{ services: [{ service, secrets: [{ key, key_id, created_at,
 * updated_at }] }], problems: [{ code, message }] }`; a service document
 * that does not parse is a problem and the others are still listed.
 */
export function list(store: AgentSecretsStore, service?: string | null): AgentSecretsListing;

/**
 * The pause before attempt `attempt + 1` of a waiting writer, in
 * milliseconds ([`Backoff`]: 1, 2, 4, …, 50).
 */
export function lockPauseMs(attempt: number): number;

/**
 * The wait from the value of `AGENT_SECRETS_LOCK_TIMEOUT_MS`
 * (`undefined` when unset), in milliseconds, by the core's grammar
 * ([`lock::timeout_from_env`]); a value that breaks it throws
 * `INVALID_INPUT`.
 */
export function lockTimeoutMs(value?: string | null): number;

/**
 * The variables `service`/`key` maps to under the configuration
 * `config` (the text of `config.json`), and where that comes from.
 */
export function mappingOf(config: Uint8Array | number[], service: string, key: string): AgentSecretsMapping;

/**
 * The most bytes read whole of the file `name`.
 */
export function maxBytes(name: string): number;

/**
 * The variables no child process inherits (the master passwords).
 */
export function notInherited(): string[];

/**
 * Opens a vault from its documents (an object of name -> JSON text or
 * bytes, e.g. `{ "config.json": "...", "openai.json": "..." }`), held in
 * memory. Read them back after changes with [`Vault::documents`].
 */
export function openDocuments(documents: Record<string, string | Uint8Array>, password: string, now_unix_seconds: number): Vault;

/**
 * `providerConfig` without a vault: every credential from `env`.
 */
export function providerConfigEnv(name: string, env: Record<string, string | undefined>): AgentSecretsProviderConfig;

/**
 * Releases the lock `acquireLock` took (`held`: the bytes it returned) if
 * `.lock` still holds them.
 */
export function releaseLock(io: AgentSecretsLockPrimitives, folder: string, held: Uint8Array | number[]): void;

/**
 * `resolve` without a vault (none initialized): the mapped environment
 * variables of `env`, or the not-found error.
 */
export function resolveEnv(service: string, key: string, env: Record<string, string | undefined>): AgentSecretsResolved;

/**
 * Whether `AGENT_SECRETS_NO_SESSION` (its value) turns sessions off.
 */
export function sessionDisabled(value?: string | null): boolean;

/**
 * Why the socket folder `path` (its `lstat`: `mode`, `uid`) may not be
 * used by the user `euid`, or `undefined` if it may.
 */
export function sessionFolderProblem(path: string, mode: number, uid: number, euid: number): string | undefined;

/**
 * The length of the frame whose first 4 bytes are `header`, prefix
 * included (throws when out of bounds): how many bytes to wait for.
 */
export function sessionFrameLength(header: Uint8Array | number[]): number;

/**
 * The key request for the vault in `store` (the `vault_key_id` its
 * `config.json` names, unverified) whose canonical path is
 * `canonical_vault_path`, as one frame; `undefined` when there is no
 * `config.json` that parses.
 */
export function sessionKeyRequest(store: AgentSecretsStore, canonical_vault_path: Uint8Array | number[]): Uint8Array | undefined;

/**
 * The socket of the vault whose canonical path is `canonical_vault_path`
 * (its bytes): `$XDG_RUNTIME_DIR/agent-secrets/<hash>.sock` when
 * `runtime_dir` is absolute, else `<temp_dir>/agent-secrets-<uid>/<hash>.sock`.
 * Throws when the path is too long for a Unix socket.
 */
export function sessionSocketPath(runtime_dir: string | null | undefined, temp_dir: string, uid: number, canonical_vault_path: Uint8Array | number[]): string;

/**
 * Why the socket `path` (its `lstat`) may not be used by the user `euid`,
 * or `undefined` if it may.
 */
export function sessionSocketProblem(path: string, mode: number, uid: number, euid: number): string | undefined;

/**
 * Why `size` bytes read of the file `name` are too many, or `undefined`.
 */
export function sizeProblem(path: string, name: string, size: number): string | undefined;

/**
 * The vault's state in `store`, without the password: `{ iterations,
 * active_key, key_ids, services, secrets, lockout, created_at,
 * updated_at, problems }`.
 */
export function status(store: AgentSecretsStore): AgentSecretsStatus;

/**
 * A fresh temporary file name (`.agent-tmp-` and 16 random hex characters).
 */
export function tempName(): string;

/**
 * The first step of an unlock whose key the caller derives (the core's
 * [`begin_unlock`]): `config.json` parsed (bounds only, nothing else
 * believed), the attempt counted before any derivation (refused with
 * `code = "LOCKED"` while locked out, or while as many attempts as the
 * lockout allows are running: retry shortly), then the password
 * recipients' PBKDF2 parameters in the order to try them. A corrupt
 * `state.json` is replaced (`unlockWarnings`, called before, says so).
 * Then derive, call `Vault.unlockWithPasswordKey` per recipient, and
 * `failUnlock` if none opened.
 */
export function unlockParams(store: AgentSecretsStore, now_unix_seconds: number): AgentSecretsUnlockParams;

/**
 * The warnings every unlock gives before the password is tried (the
 * core's [`operation::unlock_warnings`], as the CLI's): an
 * `alerts.command` in `config.json`, which is never run, and a corrupt
 * `state.json` (its lockout counter starts again from zero). Empty when
 * there is nothing to say or no readable `config.json` (the unlock itself
 * reports that).
 */
export function unlockWarnings(store: AgentSecretsStore, now_unix_seconds: number): string[];

/**
 * The user configuration file's path from `XDG_CONFIG_HOME` and `HOME`
 * ([`user_config::path`]); `undefined` when neither gives one.
 */
export function userConfigPath(xdgConfigHome?: string | null, home?: string | null): string | undefined;

/**
 * The most bytes the package reads of the user configuration file:
 * [`user_config::MAX_BYTES`] + 1 (one more tells "too large" apart).
 */
export function userConfigReadLimit(): number;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_vault_free: (a: number, b: number) => void;
    readonly acquireLock: (a: any, b: number, c: number, d: number, e: number, f: number, g: number) => [number, number, number, number];
    readonly alertAfterFailure: (a: any, b: number, c: number, d: number, e: number, f: number) => [number, number, number];
    readonly alertCommand: (a: number, b: number, c: number, d: number, e: any, f: number) => [number, number, number];
    readonly appendAudit: (a: any, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number) => [number, number];
    readonly auditLines: (a: number, b: number) => [number, number, number];
    readonly auditNextLine: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number) => [number, number, number, number];
    readonly auditStatus: (a: number, b: number, c: number) => [number, number];
    readonly auditVerify: (a: number, b: number) => [number, number, number];
    readonly deriveKey: (a: number, b: number, c: number, d: number, e: number) => [number, number, number];
    readonly envVarsFor: (a: number, b: number, c: number, d: number) => [number, number, number, number];
    readonly failUnlock: (a: any, b: number) => [number, number];
    readonly fileProblem: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number) => [number, number, number, number];
    readonly folderProblem: (a: number, b: number, c: number, d: number, e: number) => [number, number];
    readonly importPlan: (a: number, b: number, c: number, d: number, e: any, f: number, g: number) => [number, number, number];
    readonly inspectLock: (a: any, b: number, c: number) => [number, number, number];
    readonly isTempName: (a: number, b: number) => number;
    readonly list: (a: any, b: number, c: number) => [number, number, number];
    readonly lockPauseMs: (a: number) => number;
    readonly lockTimeoutMs: (a: number, b: number) => [number, number, number];
    readonly mappingOf: (a: number, b: number, c: number, d: number, e: number, f: number) => [number, number, number];
    readonly maxBytes: (a: number, b: number) => number;
    readonly notInherited: () => [number, number];
    readonly openDocuments: (a: any, b: number, c: number, d: number) => [number, number, number];
    readonly providerConfigEnv: (a: number, b: number, c: any) => [number, number, number];
    readonly releaseLock: (a: any, b: number, c: number, d: number, e: number) => [number, number];
    readonly resolveEnv: (a: number, b: number, c: number, d: number, e: any) => [number, number, number];
    readonly sessionDisabled: (a: number, b: number) => number;
    readonly sessionFolderProblem: (a: number, b: number, c: number, d: number, e: number) => [number, number];
    readonly sessionFrameLength: (a: number, b: number) => [number, number, number];
    readonly sessionKeyRequest: (a: any, b: number, c: number) => [number, number, number, number];
    readonly sessionSocketPath: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => [number, number, number, number];
    readonly sessionSocketProblem: (a: number, b: number, c: number, d: number, e: number) => [number, number];
    readonly sizeProblem: (a: number, b: number, c: number, d: number, e: number) => [number, number];
    readonly status: (a: any) => [number, number, number];
    readonly tempName: () => [number, number, number, number];
    readonly unlockParams: (a: any, b: number) => [number, number, number];
    readonly unlockWarnings: (a: any, b: number) => [number, number, number, number];
    readonly userConfigPath: (a: number, b: number, c: number, d: number) => [number, number];
    readonly userConfigReadLimit: () => number;
    readonly vault_appendAudit: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number) => [number, number];
    readonly vault_auditNextLine: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number) => [number, number, number, number];
    readonly vault_auditVerify: (a: number, b: number, c: number) => [number, number, number];
    readonly vault_delete: (a: number, b: number, c: number, d: number, e: number) => [number, number];
    readonly vault_documents: (a: number) => [number, number, number];
    readonly vault_envVars: (a: number, b: number, c: number) => [number, number, number];
    readonly vault_get: (a: number, b: number, c: number, d: number, e: number) => [number, number, number];
    readonly vault_init: (a: any, b: number, c: number, d: number, e: number) => [number, number, number];
    readonly vault_list: (a: number, b: number, c: number) => [number, number, number];
    readonly vault_providerConfig: (a: number, b: number, c: number, d: any) => [number, number, number];
    readonly vault_resolve: (a: number, b: number, c: number, d: number, e: number, f: any) => [number, number, number];
    readonly vault_set: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number, number];
    readonly vault_setUserMapping: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number];
    readonly vault_status: (a: number) => [number, number, number];
    readonly vault_unlock: (a: any, b: number, c: number, d: number) => [number, number, number];
    readonly vault_unlockWithPasswordKey: (a: any, b: number, c: number, d: number, e: number, f: number) => [number, number, number];
    readonly vault_unlockWithSession: (a: any, b: number, c: number, d: number) => [number, number, number];
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __externref_drop_slice: (a: number, b: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
