//! Bindings the npm package needs beyond the vault itself: unlocking with a
//! password key derived by WebCrypto, the vault-then-environment lookups
//! of [`agent_secrets_core::env`], and audit lines. Each converts and calls
//! the core.
//!
//! The environment is always a JavaScript object passed in (`process.env`
//! in Node): the core never reads the process environment itself.

use agent_secrets_core::audit::{self, AuditEvent, Operation, Status as AuditStatus};
use agent_secrets_core::env::{self, Resolved, Source};
use agent_secrets_core::user_config::{self, FileFacts, FileState};
use agent_secrets_core::{begin_unlock, fail_unlock, Error, PasswordKey, Vault as CoreVault};
use agent_secrets_core::{format, lockout, metrics, Store};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::error::IntoJs;
use crate::store::{JsStore, StoreObject};
use crate::vault::{timestamp, AnyStore, Vault};

#[wasm_bindgen(typescript_custom_section)]
const NODE_TS: &'static str = r#"
/** One password recipient's PBKDF2 parameters, in the order to try them. */
export interface AgentSecretsRecipientParams { recipient: string; iterations: number; salt: Uint8Array; }
/** What `unlockParams` returns, after the attempt was counted. */
export interface AgentSecretsUnlockParams { recipients: AgentSecretsRecipientParams[]; warning?: string; }
/** What `alertAfterFailure` returns when it raised an alert. */
export interface AgentSecretsAlert {
  line: string;
  failedUnlocks: number;
  windowSeconds: number;
}
/** What the front end found at the user configuration file's path. */
export type AgentSecretsUserConfigFile =
  | { state: "absent" }
  | { state: "symlink" }
  | { state: "unreadable"; reason: string }
  | { state: "opened"; regular: boolean; owner: number; mode: number; bytes: Uint8Array };
/** What `alertCommand` decided. */
export interface AgentSecretsAlertCommand { command?: string[]; warning?: string; }
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
"#;

/// Sets `object[name] = value` on an object this module just made.
fn set(object: &Object, name: &str, value: &JsValue) -> Result<(), JsValue> {
    Reflect::set(object, &JsValue::from_str(name), value).map(|_| ())
}

/// The variable `name` of the JavaScript object `env`, if it is a string.
fn lookup(env: &Object) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| {
        Reflect::get(env, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    }
}

/// `{ value, source: "vault" | "env", variable? }`.
fn resolved_object(resolved: &Resolved) -> Result<Object, JsValue> {
    let out = Object::new();
    // Copied out to a JavaScript string; the Rust copy is wiped on drop.
    set(&out, "value", &JsValue::from_str(resolved.value.expose()))?;
    match &resolved.source {
        Source::Vault => set(&out, "source", &"vault".into())?,
        Source::Env(variable) => {
            set(&out, "source", &"env".into())?;
            set(&out, "variable", &JsValue::from_str(variable))?;
        }
    }
    Ok(out)
}

/// The first step of an unlock whose key the caller derives (the core's
/// [`begin_unlock`]): `config.json` parsed (bounds only, nothing else
/// believed), the attempt counted before any derivation (refused with
/// `code = "LOCKED"` while locked out, or while as many attempts as the
/// lockout allows are running: retry shortly), then the password
/// recipients' PBKDF2 parameters in the order to try them. A corrupt
/// `state.json` is replaced; the core's problem is returned as `warning`
/// (the CLI's warning) for the caller to show. Then derive, call
/// `Vault.unlockWithPasswordKey` per recipient, and `failUnlock` if none
/// opened.
#[wasm_bindgen(js_name = unlockParams, unchecked_return_type = "AgentSecretsUnlockParams")]
pub fn unlock_params(store: StoreObject, now_unix_seconds: f64) -> Result<Object, JsValue> {
    let store = JsStore::new(store);
    let now = timestamp(now_unix_seconds).js()?;
    let start = begin_unlock(&store, now).js()?;
    let recipients = Array::new();
    for (name, kdf) in &start.recipients {
        let r = Object::new();
        set(&r, "recipient", &JsValue::from_str(name))?;
        set(&r, "iterations", &kdf.iterations.into())?;
        set(&r, "salt", &Uint8Array::from(&kdf.salt.0[..]))?;
        recipients.push(&r);
    }
    let out = Object::new();
    set(&out, "recipients", &recipients)?;
    if let Some(problem) = start.reservation.warning {
        let warning = format!("{problem} {}", lockout::RECOVERY);
        set(&out, "warning", &JsValue::from_str(&warning))?;
    }
    Ok(out)
}

/// The last step of an unlock begun with `unlockParams` when no derived
/// key opened a recipient: the attempt counted as a wrong password; always
/// throws the wrong-password error with the attempts left (or the lockout
/// it started).
#[wasm_bindgen(js_name = failUnlock)]
pub fn fail_unlock_binding(store: StoreObject, now_unix_seconds: f64) -> Result<(), JsValue> {
    let store = JsStore::new(store);
    let now = timestamp(now_unix_seconds).js()?;
    Err(fail_unlock(&store, now)).js()
}

/// The warnings every unlock gives before the password is tried (the
/// CLI's): an `alerts.command` in `config.json`, which is never run. Empty
/// when there is nothing to say or no readable `config.json` (the unlock
/// itself reports that).
#[wasm_bindgen(js_name = vaultWarnings)]
pub fn vault_warnings(store: StoreObject) -> Vec<String> {
    let store = JsStore::new(store);
    store
        .read(format::CONFIG_FILE)
        .ok()
        .flatten()
        .and_then(|bytes| format::parse_config(&bytes).ok())
        .as_ref()
        .and_then(user_config::vault_command_warning)
        .map(|w| vec![w.to_owned()])
        .unwrap_or_default()
}

/// The user configuration file's path from `XDG_CONFIG_HOME` and `HOME`
/// ([`user_config::path`]); `undefined` when neither gives one.
#[wasm_bindgen(js_name = userConfigPath)]
pub fn user_config_path(
    #[wasm_bindgen(js_name = xdgConfigHome)] xdg_config_home: Option<String>,
    home: Option<String>,
) -> Option<String> {
    user_config::path(xdg_config_home.as_deref(), home.as_deref())
}

/// The most bytes the package reads of the user configuration file:
/// [`user_config::MAX_BYTES`] + 1 (one more tells "too large" apart).
#[wasm_bindgen(js_name = userConfigReadLimit)]
pub fn user_config_read_limit() -> u32 {
    u32::try_from(user_config::MAX_BYTES + 1).unwrap_or(u32::MAX)
}

/// The alert command ([`user_config::alert_command`]): `envValue` is
/// `AGENT_SECRETS_ALERT_COMMAND`, `file` what the package found at `path`
/// (opened without following a link, without blocking), `user` the
/// effective uid. `{ command?, warning? }`.
#[wasm_bindgen(js_name = alertCommand, unchecked_return_type = "AgentSecretsAlertCommand")]
pub fn alert_command(
    #[wasm_bindgen(js_name = envValue)] env_value: Option<String>,
    path: Option<String>,
    #[wasm_bindgen(unchecked_param_type = "AgentSecretsUserConfigFile")] file: Object,
    user: u32,
) -> Result<Object, JsValue> {
    let get =
        |name: &str| Reflect::get(&file, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    let number = |name: &str| get(name).as_f64().map_or(u32::MAX, |n| n as u32);
    let reason = get("reason").as_string().unwrap_or_default();
    let bytes = get("bytes")
        .dyn_into::<Uint8Array>()
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let state = match get("state").as_string().as_deref() {
        Some("symlink") => FileState::Symlink,
        Some("unreadable") => FileState::Unreadable(&reason),
        Some("opened") => FileState::Opened {
            facts: FileFacts {
                regular: get("regular").is_truthy(),
                owner: number("owner"),
                mode: number("mode") & 0o7777,
            },
            bytes: &bytes,
        },
        _ => FileState::Absent,
    };
    let choice = user_config::alert_command(env_value.as_deref(), path.as_deref(), state, user);
    let out = Object::new();
    if let Some(command) = &choice.command {
        let argv: Array = command.iter().map(|a| JsValue::from_str(a)).collect();
        set(&out, "command", &argv)?;
    }
    if let Some(warning) = &choice.warning {
        set(&out, "warning", &JsValue::from_str(warning))?;
    }
    Ok(out)
}

/// The variables no child process inherits (the master passwords).
#[wasm_bindgen(js_name = notInherited)]
pub fn not_inherited() -> Vec<String> {
    env::NOT_INHERITED.iter().map(|v| (*v).to_owned()).collect()
}

/// The variables a secret maps to without a vault's user mapping,
/// preferred first (the CLI's built-ins and rules).
#[wasm_bindgen(js_name = envVarsFor)]
pub fn env_vars_for(service: &str, key: &str) -> Vec<String> {
    env::vars_for(service, key)
}

/// `resolve` without a vault (none initialized): the mapped environment
/// variables of `env`, or the not-found error.
#[wasm_bindgen(js_name = resolveEnv, unchecked_return_type = "AgentSecretsResolved")]
pub fn resolve_env(
    service: &str,
    key: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string | undefined>")] env: Object,
) -> Result<Object, JsValue> {
    let resolved = env::resolve::<AnyStore>(None, service, key, &lookup(&env)).js()?;
    resolved_object(&resolved)
}

/// `providerConfig` without a vault: every credential from `env`.
#[wasm_bindgen(js_name = providerConfigEnv, unchecked_return_type = "AgentSecretsProviderConfig")]
pub fn provider_config_env(
    name: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string | undefined>")] env: Object,
) -> Result<Object, JsValue> {
    provider_config(None, name, &env)
}

/// `{ provider, credentials: { key: { value, source, variable? } },
/// missing: [key] }` from the core's [`env::provider_config`].
fn provider_config(
    vault: Option<&CoreVault<AnyStore>>,
    name: &str,
    env: &Object,
) -> Result<Object, JsValue> {
    let config = env::provider_config(name, vault, &lookup(env)).js()?;
    let credentials = Object::new();
    let missing = Array::new();
    for credential in &config.credentials {
        match &credential.resolved {
            Some(resolved) => set(
                &credentials,
                &credential.key,
                &resolved_object(resolved)?.into(),
            )?,
            None => {
                missing.push(&JsValue::from_str(&credential.key));
            }
        }
    }
    let out = Object::new();
    set(&out, "provider", &JsValue::from_str(&config.provider))?;
    set(&out, "credentials", &credentials)?;
    set(&out, "missing", &missing)?;
    Ok(out)
}

/// Appends one audit line for an operation of a front end (`source`:
/// `"node"` for the npm package), under the store's write lock.
/// `operation` and `status` are the names of the audit format
/// (`"get"`, `"success"`, …); service and key names that are not valid
/// names are left out, so nothing but a name reaches the log.
#[wasm_bindgen(js_name = appendAudit)]
#[allow(clippy::too_many_arguments)]
pub fn append_audit(
    store: StoreObject,
    operation: &str,
    status: &str,
    service: Option<String>,
    key: Option<String>,
    user: &str,
    source: &str,
    #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
) -> Result<(), JsValue> {
    let event = audit_event(
        operation,
        status,
        service,
        key,
        user,
        source,
        now_unix_seconds,
    )?;
    audit::append(&JsStore::new(store), event).js()?;
    Ok(())
}

/// An audit event from the names of the audit format.
fn audit_event(
    operation: &str,
    status: &str,
    service: Option<String>,
    key: Option<String>,
    user: &str,
    source: &str,
    now_unix_seconds: f64,
) -> Result<AuditEvent, JsValue> {
    let parse = |name: &str| serde_json::Value::String(name.to_owned());
    let operation: Operation = serde_json::from_value(parse(operation))
        .map_err(|_| Error::InvalidParameter("unknown audit operation"))
        .js()?;
    let status: AuditStatus = serde_json::from_value(parse(status))
        .map_err(|_| Error::InvalidParameter("unknown audit status"))
        .js()?;
    let now = timestamp(now_unix_seconds).js()?;
    let mut event = AuditEvent::new(now, operation, status, user, source);
    if let Some(service) = &service {
        event = event.service(service);
    }
    if let Some(key) = &key {
        event = event.key(key);
    }
    Ok(event)
}

/// After a failed unlock: when `config.json` has `alerts` thresholds and
/// the core's [`metrics::alert_due`] says so, appends an `alert` line
/// (status `failed`) and returns `{ line, failedUnlocks, windowSeconds }`
/// (`line` is the appended audit line as JSON, for the user's alert
/// command, [`alert_command`]: never one from the vault's `config.json`);
/// otherwise `null`. A failure to append the line is thrown.
#[wasm_bindgen(js_name = alertAfterFailure, unchecked_return_type = "AgentSecretsAlert | null")]
pub fn alert_after_failure(
    store: StoreObject,
    user: &str,
    source: &str,
    #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
) -> Result<JsValue, JsValue> {
    let store = JsStore::new(store);
    let Ok(Some(config)) = store.read(format::CONFIG_FILE) else {
        return Ok(JsValue::NULL);
    };
    let Some(policy) = format::parse_config(&config).ok().and_then(|c| c.alerts) else {
        return Ok(JsValue::NULL);
    };
    let log = store
        .read(audit::AUDIT_FILE)
        .ok()
        .flatten()
        .unwrap_or_default();
    let (lines, _) = audit::parse_lines(&log);
    let now = timestamp(now_unix_seconds).js()?;
    if !metrics::alert_due(&lines, &policy, now) {
        return Ok(JsValue::NULL);
    }
    let event = AuditEvent::new(now, Operation::Alert, AuditStatus::Failed, user, source);
    let line = audit::append(&store, event).js()?;
    let line = serde_json::to_string(&line)
        .map_err(|_| Error::InvalidParameter("the alert line could not be encoded"))
        .js()?;
    let out = Object::new();
    set(&out, "line", &JsValue::from_str(&line))?;
    set(&out, "failedUnlocks", &policy.failed_unlocks.into())?;
    // Exact up to 2^53 s, far beyond any real window.
    set(
        &out,
        "windowSeconds",
        &(policy.window_seconds as f64).into(),
    )?;
    Ok(out.into())
}

#[wasm_bindgen]
impl Vault {
    /// Opens the vault in `store` with a password key the caller derived
    /// (PBKDF2-HMAC-SHA256, 32 bytes, with `recipient`'s parameters from
    /// `unlockParams`, which counted the attempt; the npm package uses
    /// WebCrypto). The MAC of `config.json` is verified before anything in
    /// it is used. A key that opens nothing throws the plain
    /// `WRONG_PASSWORD` and leaves the attempt counted: try the next
    /// recipient, then call `failUnlock`. The key bytes handed over are
    /// wiped here; the caller wipes its own copy.
    #[wasm_bindgen(js_name = unlockWithPasswordKey)]
    pub fn unlock_with_password_key(
        store: StoreObject,
        recipient: &str,
        #[wasm_bindgen(js_name = passwordKey)] password_key: Vec<u8>,
        #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
    ) -> Result<Vault, JsValue> {
        let password_key = Zeroizing::new(password_key);
        let mut key = Zeroizing::new([0u8; 32]);
        if password_key.len() != key.len() {
            return Err(Error::InvalidParameter("the password key must be 32 bytes")).js();
        }
        key.copy_from_slice(&password_key);
        let key = PasswordKey::from_bytes(*key);
        let now = timestamp(now_unix_seconds).js()?;
        let store = AnyStore::Js(JsStore::new(store));
        let inner = CoreVault::unlock_with_password_key(store, recipient, &key, now).js()?;
        Ok(Vault::on_js_store(inner))
    }

    /// Appends one audit line for an operation on this open vault, MAC'ed
    /// with its audit key (so that nobody without the password can forge
    /// or edit it), with `"auth": "session"` when a session's key opened
    /// it; same arguments as the free `appendAudit`.
    #[wasm_bindgen(js_name = appendAudit)]
    #[allow(clippy::too_many_arguments)]
    pub fn append_audit(
        &self,
        operation: &str,
        status: &str,
        service: Option<String>,
        key: Option<String>,
        user: &str,
        source: &str,
        #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
    ) -> Result<(), JsValue> {
        let event = audit_event(
            operation,
            status,
            service,
            key,
            user,
            source,
            now_unix_seconds,
        )?;
        let vault = self.core();
        // A vault opened with a session's key says so in its lines.
        let event = event.auth(vault.auth());
        audit::append_authenticated(vault.store(), event, vault.audit_key()).js()?;
        Ok(())
    }

    /// The value of `service`/`key` from the vault, else from the mapped
    /// variables of `env`: `{ value, source, variable? }`.
    #[wasm_bindgen(unchecked_return_type = "AgentSecretsResolved")]
    pub fn resolve(
        &self,
        service: &str,
        key: &str,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string | undefined>")] env: Object,
    ) -> Result<Object, JsValue> {
        let resolved = env::resolve(Some(self.core()), service, key, &lookup(&env)).js()?;
        resolved_object(&resolved)
    }

    /// A known provider's credentials (openai, anthropic, gemini,
    /// supabase), vault first, then `env`; an unknown provider is
    /// `NOT_FOUND`.
    #[wasm_bindgen(js_name = providerConfig, unchecked_return_type = "AgentSecretsProviderConfig")]
    pub fn provider_config(
        &self,
        name: &str,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string | undefined>")] env: Object,
    ) -> Result<Object, JsValue> {
        provider_config(Some(self.core()), name, &env)
    }

    /// The variables the secrets of `services` (all services when
    /// `undefined`) set, each with its value, by the core's
    /// [`env::plan_env`] (as `agent secret run`): `{ vars, warnings }`,
    /// `warnings` naming what is left out (a variable that never carries
    /// a secret, a variable two secrets map to). A service document that
    /// cannot be read fails the whole call (nothing half-loaded).
    #[wasm_bindgen(js_name = envVars, unchecked_return_type = "AgentSecretsEnvPlan")]
    pub fn env_vars(&self, services: Option<Vec<String>>) -> Result<Object, JsValue> {
        let vault = self.core();
        let services = match services {
            Some(services) => services,
            None => {
                let (listed, problems) = agent_secrets_core::list(vault.store(), None).js()?;
                if let Some(problem) = problems.into_iter().next() {
                    return Err(problem).js();
                }
                listed.into_iter().map(|s| s.service).collect()
            }
        };
        let mut names = Vec::new();
        let mut values = Vec::new();
        for service in &services {
            for (key, value) in vault.get_service(service).js()? {
                names.push((service.clone(), key));
                values.push(value);
            }
        }
        let plan = env::plan_env(&vault.config().env, &names, env::Which::Every);
        let vars = Array::new();
        for planned in &plan.vars {
            let (service, key) = &names[planned.secret];
            let entry = Object::new();
            set(&entry, "variable", &JsValue::from_str(&planned.variable))?;
            set(&entry, "service", &JsValue::from_str(service))?;
            set(&entry, "key", &JsValue::from_str(key))?;
            // Copied out to a JavaScript string; the Rust copy is wiped on drop.
            set(
                &entry,
                "value",
                &JsValue::from_str(values[planned.secret].expose()),
            )?;
            vars.push(&entry);
        }
        let warnings: Array = plan
            .skipped
            .iter()
            .map(|w| JsValue::from_str(&w.to_string()))
            .collect();
        let out = Object::new();
        set(&out, "vars", &vars)?;
        set(&out, "warnings", &warnings)?;
        Ok(out)
    }
}
