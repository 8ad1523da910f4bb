//! WebAssembly bindings of the agent secrets core, for the browser
//! dashboard and the npm package (Node).
//!
//! This crate is an adapter: each binding converts JavaScript values to the
//! core's types, calls the core, and converts the answer back. Every
//! decision (formats, KDF bounds, names, password rules, error categories)
//! is the core's.
//!
//! JavaScript API (all names camelCase; `Vault.x` is a static method,
//! `vault.x` a method of an open vault; `npm/test/bindings.test.js` checks
//! this list against the module's exports):
//! - the vault: `Vault.init`, `Vault.unlock`, `openDocuments`, and on an
//!   open vault `vault.get`, `vault.set`, `vault.delete`, `vault.list`,
//!   `vault.status`, `vault.documents`, `vault.free` (wipes its keys);
//! - password-free reads of a store: `list`, `status`;
//! - unlocking with a password key derived by WebCrypto (module `unlock`):
//!   `unlockWarnings`, `unlockParams` (the attempt counted before any
//!   derivation), `Vault.unlockWithPasswordKey`, `failUnlock`; where
//!   WebCrypto is missing, `deriveKey` (module `kdf`, the core's PBKDF2);
//! - the environment (module `env`): `vault.resolve`, `vault.providerConfig`,
//!   `vault.envVars` (the plan the package's loadEnv sets), `resolveEnv`,
//!   `providerConfigEnv`, `envVarsFor`, `notInherited`;
//! - the audit trail (module `audit`): `auditStatus` (the status an
//!   outcome is recorded with), `appendAudit` (password-free lines),
//!   `vault.appendAudit` (lines MAC'ed with the open vault's key),
//!   `alertAfterFailure`;
//! - the user's configuration (module `user_config`): `userConfigPath`,
//!   `userConfigReadLimit`, `alertCommand`;
//! - the npm package's file store (module `files`): the folder rules
//!   `folderProblem`, `fileProblem`, `sizeProblem`, `maxBytes`, `tempName`,
//!   `isTempName`;
//! - the write lock (module `lock`), run by the core over the caller's
//!   system calls: `acquireLock`, `releaseLock`, `inspectLock`,
//!   `lockTimeoutMs`, `lockPauseMs`;
//! - sessions (module `session`): `sessionSocketPath`,
//!   `sessionFolderProblem`, `sessionSocketProblem`, `sessionDisabled`,
//!   `sessionKeyRequest`, `sessionFrameLength` and `Vault.unlockWithSession`;
//! - for the browser dashboard (module `web`): `auditNextLine`,
//!   `auditVerify`, `auditLines`, `mappingOf`, `importPlan`, and on an open
//!   vault `vault.auditNextLine`, `vault.auditVerify`, `vault.setUserMapping`;
//! - with the `hazmat` feature only, which this crate's tests turn on and
//!   no published build does (module `primitives`, the raw primitives for
//!   the Wycheproof vectors): `pbkdf2HmacSha256`, `aes256GcmSeal`,
//!   `aes256GcmOpen`.
//!
//! Service and key names are parsed where they come in (module `convert`):
//! a name that breaks the rule throws before any document is read.
//!
//! Storage is a JavaScript object with synchronous methods (see
//! [`StoreObject`]). Time is always a parameter (`nowUnixSeconds`), because
//! `SystemTime::now()` panics on `wasm32-unknown-unknown`.
//!
//! Errors reach JavaScript as `Error` objects named `AgentSecretsError`
//! whose `code` is the core's [`agent_secrets_core::ErrorKind::code`]. No
//! value, password or key is ever part of a message.

#![forbid(unsafe_code)]

mod audit;
mod convert;
mod env;
mod error;
mod files;
mod kdf;
mod lock;
#[cfg(feature = "hazmat")]
mod primitives;
mod session;
mod store;
mod unlock;
mod user_config;
mod vault;
mod web;

pub use audit::{alert_after_failure, append_audit, audit_status};
pub use env::{env_vars_for, not_inherited, provider_config_env, resolve_env};
pub use files::{file_problem, folder_problem, is_temp_name, max_bytes, size_problem, temp_name};
pub use kdf::derive_key;
pub use lock::{
    acquire_lock, inspect_lock, lock_pause_ms, lock_timeout_ms, release_lock, JsLockIo,
    LockPrimitives,
};
#[cfg(feature = "hazmat")]
pub use primitives::{aes256_gcm_open, aes256_gcm_seal, pbkdf2_hmac_sha256};
pub use session::{
    session_disabled, session_folder_problem, session_frame_length, session_key_request,
    session_socket_path, session_socket_problem,
};
pub use store::{JsStore, StoreObject};
pub use unlock::{fail_unlock_binding, unlock_params, unlock_warnings};
pub use user_config::{alert_command, user_config_path, user_config_read_limit};
pub use vault::{list, open_documents, status, Vault};
pub use web::{audit_lines, audit_next_line, audit_verify, import_plan, mapping_of};
