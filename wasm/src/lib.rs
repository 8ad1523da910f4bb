//! WebAssembly bindings of the agent secrets core, for the browser
//! dashboard and the npm package (Node).
//!
//! This crate is an adapter: each binding converts JavaScript values to the
//! core's types, calls the core, and converts the answer back. Every
//! decision (formats, KDF bounds, names, password rules, error categories)
//! is the core's.
//!
//! JavaScript API (all names camelCase):
//! - primitives, for published test vectors and interoperability checks:
//!   `pbkdf2HmacSha256`, `deriveKey`, `aes256GcmSeal`, `aes256GcmOpen`;
//! - the vault: `Vault.init`, `Vault.unlock`, `openDocuments`, and on a
//!   `Vault`: `get`, `set`, `delete`, `list`, `status`, `documents`;
//! - password-free reads of a store: `list`, `status`;
//! - for the npm package: `unlockParams`, `Vault.unlockWithPasswordKey` and
//!   `failUnlock` (PBKDF2 by WebCrypto, the attempt counted before it),
//!   `Vault.resolve`, `Vault.providerConfig`, `Vault.envVars`, `resolveEnv`,
//!   `providerConfigEnv`, `envVarsFor`, `appendAudit` (password-free lines),
//!   `Vault.appendAudit` (lines MAC'ed with the open vault's key),
//!   `alertAfterFailure`; what runs and with what: `vaultWarnings`,
//!   `userConfigPath`, `userConfigReadLimit`, `alertCommand`, `notInherited`;
//!   for its file store, the folder rules `folderProblem`, `fileProblem`,
//!   `sizeProblem`, `maxBytes`, `tempName`, `isTempName`; for sessions,
//!   `sessionSocketPath`, `sessionFolderProblem`, `sessionSocketProblem`,
//!   `sessionDisabled`, `sessionKeyRequest`, `sessionFrameLength` and
//!   `Vault.unlockWithSession`.
//! - for the browser dashboard: `auditNextLine`, `auditVerify`,
//!   `auditLines`, `mappingOf`, `importPlan`, and on an open `Vault`
//!   `auditNextLine`, `auditVerify`, `setUserMapping`.
//!
//! Storage is a JavaScript object with synchronous methods (see
//! [`StoreObject`]). Time is always a parameter (`nowUnixSeconds`), because
//! `SystemTime::now()` panics on `wasm32-unknown-unknown`.
//!
//! Errors reach JavaScript as `Error` objects named `AgentSecretsError`
//! whose `code` is the core's [`agent_secrets_core::ErrorKind::code`]. No
//! value, password or key is ever part of a message.

#![forbid(unsafe_code)]

mod error;
mod files;
mod node;
mod primitives;
mod session;
mod store;
mod vault;
mod web;

pub use files::{file_problem, folder_problem, is_temp_name, max_bytes, size_problem, temp_name};
pub use node::{
    alert_command, append_audit, env_vars_for, fail_unlock_binding, not_inherited,
    provider_config_env, resolve_env, unlock_params, user_config_path, user_config_read_limit,
    vault_warnings,
};
pub use primitives::{aes256_gcm_open, aes256_gcm_seal, derive_key, pbkdf2_hmac_sha256};
pub use session::{
    session_disabled, session_folder_problem, session_frame_length, session_key_request,
    session_socket_path, session_socket_problem,
};
pub use store::{JsStore, StoreObject};
pub use vault::{list, open_documents, status, Vault};
pub use web::{audit_lines, audit_next_line, audit_verify, import_plan, mapping_of};
